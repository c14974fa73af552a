import {
  All,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig, CompanyId, CurrentCompany } from '@app/common';
import {
  parseProjection,
  project,
  Projection,
  projectionOmits,
  ScimError,
  USER_RESOURCE,
} from '@app/scim-protocol';
import { ScimRoute } from '@app/tokens';
import { GroupsService } from '../groups/groups.service';
import { parseListRequest } from '../query/list-request';
import { etagOf, notModified } from '../resource-version';
import { listResponse, RawJson, resourceBody, ScimJson } from '../scim-response';
import { userResource, userResourceJson, UserRow, userRowOf } from './user.resource';
import { UsersService } from './users.service';

/** `/Users` (RFC 7644 §3): every route scoped to the company of the bearer token. */
@Controller('api/scim/v2/Users')
@ScimRoute()
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly groups: GroupsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  list(@CurrentCompany() companyId: CompanyId, @Query() query: Record<string, unknown>) {
    return this.search(companyId, query);
  }

  /** POST /Users/.search (RFC 7644 §3.4.3): the query in the body, out of URLs and logs. */
  @Post('.search')
  @HttpCode(200)
  searchByPost(@CurrentCompany() companyId: CompanyId, @Body() body: unknown) {
    return this.search(companyId, searchBody(body));
  }

  @Get(':id')
  async get(
    @CurrentCompany() companyId: CompanyId,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    const user = await this.users.getRow(companyId, id);
    response.setHeader('ETag', etagOf(Number(user.version)));
    if (notModified(ifNoneMatch, Number(user.version))) {
      response.status(304);
      return undefined;
    }
    return this.render(companyId, user, query);
  }

  @Post()
  async create(
    @CurrentCompany() companyId: CompanyId,
    @Body() body: unknown,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: Response,
  ) {
    const user = await this.users.create(companyId, body);
    const resource = await this.render(companyId, userRowOf(user), query);
    response.status(201).setHeader('Location', `${this.config.scimEndpointUrl}/Users/${user.id}`);
    response.setHeader('ETag', etagOf(user.version));
    return resource;
  }

  @Put(':id')
  async replace(
    @CurrentCompany() companyId: CompanyId,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: Record<string, unknown>,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    const user = await this.users.replace(companyId, id, body, ifMatch);
    response.setHeader('ETag', etagOf(user.version));
    return this.render(companyId, userRowOf(user), query);
  }

  /** RFC 7644 §3.5.2: 200 with the resource (Microsoft's documentation shows this for users). */
  @Patch(':id')
  async patch(
    @CurrentCompany() companyId: CompanyId,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: Record<string, unknown>,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    const user = await this.users.patch(companyId, id, body, ifMatch);
    response.setHeader('ETag', etagOf(user.version));
    return this.render(companyId, userRowOf(user), query);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(
    @CurrentCompany() companyId: CompanyId,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ) {
    await this.users.delete(companyId, id, ifMatch);
  }

  /** Methods the RFC does not define here: 405 with the methods that are. */
  @All()
  collectionMethodNotAllowed(@Res({ passthrough: true }) response: Response) {
    response.setHeader('Allow', 'GET, POST');
    throw new ScimError(405, 'The /Users collection supports GET and POST');
  }

  @All(':id')
  resourceMethodNotAllowed(@Res({ passthrough: true }) response: Response) {
    response.setHeader('Allow', 'GET, PUT, PATCH, DELETE');
    throw new ScimError(405, 'A User supports GET, PUT, PATCH and DELETE');
  }

  async search(companyId: CompanyId, params: Record<string, unknown>) {
    const { page, resources } = await this.searchPage(companyId, params);
    return listResponse(resources, page);
  }

  /** One page of users, rendered; also what the root /.search assembles. */
  async searchPage(companyId: CompanyId, params: Record<string, unknown>) {
    const request = parseListRequest(params);
    const projection = parseProjection(
      USER_RESOURCE,
      request.attributes,
      request.excludedAttributes,
    );
    const page = await this.users.list(companyId, request);
    return { page, resources: await this.renderAll(companyId, page.rows, projection) };
  }

  private async render(companyId: CompanyId, user: UserRow, query: Record<string, unknown>) {
    const projection = parseProjection(
      USER_RESOURCE,
      query.attributes as string | undefined,
      query.excludedAttributes as string | undefined,
    );
    return resourceBody((await this.renderAll(companyId, [user], projection))[0]);
  }

  /**
   * Resources for a page of users, their groups in one query unless projected away. Without a
   * projection each is JSON text around the stored document (no parse and re-serialise).
   */
  private async renderAll(
    companyId: CompanyId,
    users: UserRow[],
    projection: Projection,
  ): Promise<ScimJson[]> {
    const groups = projectionOmits(projection, 'groups')
      ? undefined
      : await this.groups.groupsOf(
          companyId,
          users.map((user) => user.id),
        );
    const base = this.config.scimEndpointUrl;
    if (!projection.attributes && !projection.excludedAttributes) {
      return users.map((user) => new RawJson(userResourceJson(user, base, groups?.get(user.id))));
    }
    return users.map((user) =>
      project(userResource(user, base, groups?.get(user.id)), USER_RESOURCE, projection),
    );
  }
}

/** The SearchRequest body (RFC 7644 §3.4.3); `attributes` may be a list. */
export function searchBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ScimError.badRequest('invalidSyntax', 'The body must be a SearchRequest');
  }
  return body as Record<string, unknown>;
}
