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
import { AppConfig, CompanyId, EventCause, rememberActivity } from '@app/common';
import {
  parseProjection,
  project,
  Projection,
  projectionOmits,
  USER_RESOURCE,
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
import { GroupsService } from '../groups/groups.service';
import { parseListRequest } from '../query/list-request';
import { etagOf, notModified } from '../resource-version';
import { RawJson, resourceBody, ScimJson } from '../scim-response';
import {
  groupsReadWith,
  userResource,
  userResourceJson,
  UserGroups,
  UserRow,
  userRowOf,
} from './user.resource';
import { ScimResourceController } from '../scim-resource.controller';
import { userActivity, UsersService, UserWrite } from './users.service';

/** What a user made by this request renders as its groups. */
const NO_GROUPS = new Map<string, UserGroups>();

/** `/Users` (RFC 7644 §3): every route scoped to the company of the bearer token. */
// The SCIM API is described by its own discovery endpoints (RFC 7644 §4), not OpenAPI.
@ApiExcludeController()
@Controller('api/scim/v2/Users')
@ScimRoute()
export class UsersController extends ScimResourceController {
  protected readonly resourceName = 'User';

  constructor(
    private readonly users: UsersService,
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
      const user = await this.users.getRow(companyId, id, check);
      response.setHeader('ETag', etagOf(Number(user.version)));
      if (notModified(ifNoneMatch, Number(user.version))) {
        response.status(304);
        return undefined;
      }
      return this.render(companyId, user, query, groupsReadWith([user]));
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
      const user = await this.users.create(companyId, cause, body);
      // A user made by this request is in no group yet: group member rows are stored only for
      // ids that exist, and nobody but this client has seen the id. No read for its groups.
      const resource = await this.render(companyId, userRowOf(user), query, NO_GROUPS);
      response.status(201).setHeader('Location', `${this.config.scimEndpointUrl}/Users/${user.id}`);
      response.setHeader('ETag', etagOf(user.version));
      return resource;
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
    return forCaller(caller, async (companyId) =>
      this.changed(
        companyId,
        await this.users.replace(companyId, cause, id, body, ifMatch),
        query,
        response,
      ),
    );
  }

  /** RFC 7644 §3.5.2: 200 with the resource (Microsoft's documentation shows this for users). */
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
    return forCaller(caller, async (companyId) =>
      this.changed(
        companyId,
        await this.users.patch(companyId, cause, id, body, ifMatch),
        query,
        response,
      ),
    );
  }

  /** The answer to a PUT or PATCH: the user as written, with its ETag. */
  private changed(
    companyId: CompanyId,
    write: UserWrite,
    query: Record<string, unknown>,
    response: Response,
  ) {
    const { user, groups } = write;
    rememberActivity(response, userActivity(write));
    response.setHeader('ETag', etagOf(user.version));
    return this.render(
      companyId,
      userRowOf(user),
      query,
      groupsReadWith([{ id: user.id, groups }]),
    );
  }

  async searchPage(
    companyId: CompanyId,
    params: Record<string, unknown>,
    check?: PendingTokenCheck,
  ) {
    const request = parseListRequest(params);
    const projection = parseProjection(
      USER_RESOURCE,
      request.attributes,
      request.excludedAttributes,
    );
    const page = await this.users.list(companyId, request, check);
    return {
      page,
      resources: await this.renderAll(companyId, page.rows, projection, groupsReadWith(page.rows)),
    };
  }

  protected remove(companyId: CompanyId, cause: EventCause, id: string, ifMatch?: string) {
    return this.users.delete(companyId, cause, id, ifMatch);
  }

  private async render(
    companyId: CompanyId,
    user: UserRow,
    query: Record<string, unknown>,
    knownGroups?: Map<string, UserGroups>,
  ) {
    const projection = parseProjection(
      USER_RESOURCE,
      query.attributes as string | undefined,
      query.excludedAttributes as string | undefined,
    );
    return resourceBody((await this.renderAll(companyId, [user], projection, knownGroups))[0]);
  }

  /**
   * Resources for a page of users, their groups in one query unless projected away. Without a
   * projection each is JSON text around the stored document (no parse and re-serialise).
   */
  private async renderAll(
    companyId: CompanyId,
    users: UserRow[],
    projection: Projection,
    knownGroups?: Map<string, UserGroups>,
  ): Promise<ScimJson[]> {
    const groups = projectionOmits(projection, 'groups')
      ? undefined
      : (knownGroups ??
        (await this.groups.groupsOf(
          companyId,
          users.map((user) => user.id),
        )));
    const base = this.config.scimEndpointUrl;
    if (!projection.attributes && !projection.excludedAttributes) {
      return users.map((user) => new RawJson(userResourceJson(user, base, groups?.get(user.id))));
    }
    return users.map((user) =>
      project(userResource(user, base, groups?.get(user.id)), USER_RESOURCE, projection),
    );
  }
}
