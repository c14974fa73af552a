import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CompanyId, CurrentCompany } from '@app/common';
import {
  GROUP_RESOURCE,
  parseAttributePath,
  resolveAttribute,
  ResourceSchema,
  ScimError,
  USER_RESOURCE,
} from '@app/scim-protocol';
import { ScimRoute } from '@app/tokens';
import { GroupsController } from './groups/groups.controller';
import { parseListRequest } from './query/list-request';
import { listResponse, ScimJson } from './scim-response';
import { searchBody } from './scim-resource.controller';
import { UsersController } from './users/users.controller';

/**
 * POST /.search at the service root (RFC 7644 §3.4.3): Users, then Groups, as one list. A
 * filter naming an attribute one resource type lacks simply matches none of that type.
 */
// The SCIM API is described by its own discovery endpoints (RFC 7644 §4), not OpenAPI.
@ApiExcludeController()
@Controller('api/scim/v2')
@ScimRoute()
export class SearchController {
  constructor(
    private readonly users: UsersController,
    private readonly groups: GroupsController,
  ) {}

  @Post('.search')
  @HttpCode(200)
  async search(@CurrentCompany() companyId: CompanyId, @Body() body: unknown) {
    const params = searchBody(body);
    const request = parseListRequest(params);
    if (request.cursor !== undefined) {
      throw ScimError.badRequest(
        'invalidValue',
        'Cursor paging is offered on /Users and /Groups, not at the root',
      );
    }
    const types = [
      (p: Record<string, unknown>) => this.users.searchPage(companyId, forType(p, USER_RESOURCE)),
      (p: Record<string, unknown>) => this.groups.searchPage(companyId, forType(p, GROUP_RESOURCE)),
    ];
    const totals: number[] = [];
    let refusals = 0;
    let refusal: unknown;
    for (const search of types) {
      try {
        totals.push((await search({ ...params, startIndex: 1, count: 0 })).page.totalResults);
      } catch (error) {
        if (
          !(error instanceof ScimError) ||
          error.scimType !== 'invalidFilter' ||
          !/is not an attribute/.test(error.detail)
        )
          throw error;
        totals.push(0);
        refusals++;
        refusal = error;
      }
    }
    if (refusals === types.length) throw refusal;
    const resources: ScimJson[] = [];
    let skip = request.startIndex - 1;
    for (const [index, search] of types.entries()) {
      const room = request.count - resources.length;
      if (skip >= totals[index]) {
        skip -= totals[index];
        continue;
      }
      if (room <= 0) break;
      const { resources: found } = await search({ ...params, startIndex: skip + 1, count: room });
      resources.push(...found);
      skip = 0;
    }
    return listResponse(resources, {
      totalResults: totals.reduce((a, b) => a + b, 0),
      startIndex: request.startIndex,
    });
  }
}

/** The request as one resource type reads it: attributes and sortBy it does not define are dropped. */
function forType(params: Record<string, unknown>, schema: ResourceSchema): Record<string, unknown> {
  const defines = (text: string) => {
    try {
      return resolveAttribute(schema, parseAttributePath(text.replace(/\[.*$/, ''))) !== undefined;
    } catch {
      return false;
    }
  };
  const list = (value: unknown) =>
    value === undefined
      ? undefined
      : (Array.isArray(value) ? value : String(value).split(','))
          .map(String)
          .map((part) => part.trim())
          .filter(defines);
  const result = { ...params };
  for (const key of Object.keys(result)) {
    const lower = key.toLowerCase();
    if (lower === 'attributes' || lower === 'excludedattributes')
      result[key] = list(result[key])?.join(',');
    if (lower === 'sortby' && typeof result[key] === 'string' && !defines(result[key] as string))
      delete result[key];
  }
  return result;
}
