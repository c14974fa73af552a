import {
  Body,
  Controller,
  Get,
  Headers,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppConfig, CompanyId, EventCause, rememberActivity, rememberWarnings } from '@app/common';
import {
  GROUP_RESOURCE,
  parseProjection,
  project,
  Projection,
  projectionOmits,
} from '@app/scim-protocol';
import {
  CurrentScimCaller,
  CurrentScimCause,
  forCaller,
  PendingTokenCheck,
  ScimCaller,
  ScimRoute,
  TokenCheckedInRead,
} from '@app/tokens';
import { parseListRequest } from '../query/list-request';
import { etagOf, notModified } from '../resource-version';
import { ScimResourceController } from '../scim-resource.controller';
import { groupResource, GroupMember, groupRowOf } from './group.resource';
import { GroupsService, skippedMemberWarnings } from './groups.service';
import { ScimGroupEntity } from './scim-group.entity';

/** `/Groups` (RFC 7644 §3), scoped to the company of the bearer token. */
// The SCIM API is described by its own discovery endpoints (RFC 7644 §4), not OpenAPI.
@ApiExcludeController()
@Controller('api/scim/v2/Groups')
@ScimRoute()
export class GroupsController extends ScimResourceController {
  protected readonly resourceName = 'Group';

  constructor(
    private readonly groups: GroupsService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  @Get(':id')
  @TokenCheckedInRead()
  async get(
    @CurrentScimCaller() caller: ScimCaller,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    return forCaller(caller, async (companyId, check) => {
      const projection = projectionOf(query);
      const group = await this.groups.get(companyId, id, check);
      response.setHeader('ETag', etagOf(group.version));
      if (notModified(ifNoneMatch, group.version)) {
        response.status(304);
        return undefined;
      }
      return this.render(companyId, group, projection);
    });
  }

  @Post()
  @TokenCheckedInRead()
  async create(
    @CurrentScimCaller() caller: ScimCaller,
    @CurrentScimCause() cause: EventCause,
    @Body() body: unknown,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: Response,
  ) {
    return forCaller(caller, async (companyId) => {
      const projection = projectionOf(query);
      const { group, members, skipped } = await this.groups.create(companyId, cause, body);
      rememberWarnings(response, skippedMemberWarnings('POST', group.id, 201, skipped));
      response
        .status(201)
        .setHeader('Location', `${this.config.scimEndpointUrl}/Groups/${group.id}`);
      response.setHeader('ETag', etagOf(group.version));
      return project(
        groupResource(groupRowOf(group), this.config.scimEndpointUrl, members),
        GROUP_RESOURCE,
        projection,
      );
    });
  }

  @Put(':id')
  @TokenCheckedInRead()
  async replace(
    @CurrentScimCaller() caller: ScimCaller,
    @CurrentScimCause() cause: EventCause,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: Record<string, unknown>,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    return forCaller(caller, async (companyId) => {
      const projection = projectionOf(query);
      const { group, skipped } = await this.groups.replace(companyId, cause, id, body, ifMatch);
      rememberWarnings(response, skippedMemberWarnings('PUT', group.id, 200, skipped));
      response.setHeader('ETag', etagOf(group.version));
      return this.render(companyId, group, projection);
    });
  }

  /**
   * RFC 7644 §3.5.2: 204 (as Entra expects for groups), so a PATCH to a group of 100,000
   * never reads its members back; 200 with the resource when `attributes` asks for it.
   */
  @Patch(':id')
  @TokenCheckedInRead()
  async patch(
    @CurrentScimCaller() caller: ScimCaller,
    @CurrentScimCause() cause: EventCause,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: Record<string, unknown>,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    return forCaller(caller, async (companyId) => {
      const projection = projectionOf(query);
      const { group, skipped } = await this.groups.patch(companyId, cause, id, body, ifMatch);
      const status = query.attributes === undefined ? 204 : 200;
      rememberWarnings(response, skippedMemberWarnings('PATCH', group.id, status, skipped));
      rememberActivity(response, { operation: 'group.updated', subject: group.displayName });
      response.setHeader('ETag', etagOf(group.version));
      if (query.attributes === undefined) {
        response.status(204);
        return undefined;
      }
      return this.render(companyId, group, projection);
    });
  }

  async searchPage(
    companyId: CompanyId,
    params: Record<string, unknown>,
    check?: PendingTokenCheck,
  ) {
    const request = parseListRequest(params);
    const projection = parseProjection(
      GROUP_RESOURCE,
      request.attributes,
      request.excludedAttributes,
    );
    const page = await this.groups.list(companyId, request, check);
    const members = projectionOmits(projection, 'members')
      ? undefined
      : await this.groups.membersOf(
          companyId,
          page.rows.map((group) => group.id),
        );
    const resources = page.rows.map((group) =>
      project(
        groupResource(group, this.config.scimEndpointUrl, members?.get(group.id)),
        GROUP_RESOURCE,
        projection,
      ),
    );
    return { page, resources };
  }

  protected remove(companyId: CompanyId, cause: EventCause, id: string, ifMatch?: string) {
    return this.groups.delete(companyId, cause, id, ifMatch);
  }

  private async render(companyId: CompanyId, group: ScimGroupEntity, projection: Projection) {
    // `excludedAttributes=members` (or attributes without it) never loads members.
    let members: GroupMember[] | undefined;
    if (!projectionOmits(projection, 'members')) {
      members = (await this.groups.membersOf(companyId, [group.id])).get(group.id);
    }
    return project(
      groupResource(groupRowOf(group), this.config.scimEndpointUrl, members),
      GROUP_RESOURCE,
      projection,
    );
  }
}

function projectionOf(query: Record<string, unknown>): Projection {
  return parseProjection(
    GROUP_RESOURCE,
    query.attributes as string | undefined,
    query.excludedAttributes as string | undefined,
  );
}
