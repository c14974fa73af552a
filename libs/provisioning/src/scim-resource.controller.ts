import { All, Body, Delete, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CompanyId, CurrentCompany, EventCause, rememberActivity } from '@app/common';
import { ScimError } from '@app/scim-protocol';
import {
  CurrentScimCaller,
  CurrentScimCause,
  forCaller,
  PendingTokenCheck,
  ScimCaller,
  TokenCheckedInRead,
} from '@app/tokens';
import { ListPage } from './query/resource-list';
import { listResponse, ScimJson } from './scim-response';

/**
 * What `/Users` and `/Groups` share (RFC 7644 §3): list and `.search`, DELETE, and the 405
 * answers for methods a path does not define. Subclasses add GET one, POST, PUT and PATCH,
 * whose answers differ (a group PATCH answers 204, a user PATCH the resource). Nest registers
 * a subclass's routes before these, so `@All(':id')` only catches what is left.
 */
export abstract class ScimResourceController {
  /** "User" or "Group", for messages. */
  protected abstract readonly resourceName: string;

  /** One page of resources, rendered; also what the root /.search assembles. */
  abstract searchPage(
    companyId: CompanyId,
    params: Record<string, unknown>,
    check?: PendingTokenCheck,
  ): Promise<{ page: ListPage<unknown>; resources: ScimJson[] }>;

  /** Deletes the resource; answers whom it was (userName, displayName) for the activity log. */
  protected abstract remove(
    companyId: CompanyId,
    cause: EventCause,
    id: string,
    ifMatch?: string,
  ): Promise<string>;

  /** The most frequent IdP request (a `userName eq` lookup before each create). */
  @Get()
  @TokenCheckedInRead()
  list(@CurrentScimCaller() caller: ScimCaller, @Query() query: Record<string, unknown>) {
    return forCaller(caller, (companyId, check) => this.search(companyId, query, check));
  }

  /** POST .../.search (RFC 7644 §3.4.3): the query in the body, out of URLs and logs. */
  @Post('.search')
  @HttpCode(200)
  searchByPost(@CurrentCompany() companyId: CompanyId, @Body() body: unknown) {
    return this.search(companyId, searchBody(body));
  }

  /** The first read of the removal (the locked resource) carries a pending token check. */
  @Delete(':id')
  @HttpCode(204)
  @TokenCheckedInRead()
  async delete(
    @CurrentScimCaller() caller: ScimCaller,
    @CurrentScimCause() cause: EventCause,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    await forCaller(caller, async (companyId) => {
      rememberActivity(response, { subject: await this.remove(companyId, cause, id, ifMatch) });
    });
  }

  /** Methods the RFC does not define here: 405 with the methods that are. */
  @All()
  collectionMethodNotAllowed(@Res({ passthrough: true }) response: Response) {
    response.setHeader('Allow', 'GET, POST');
    throw new ScimError(405, `The /${this.resourceName}s collection supports GET and POST`);
  }

  @All(':id')
  resourceMethodNotAllowed(@Res({ passthrough: true }) response: Response) {
    response.setHeader('Allow', 'GET, PUT, PATCH, DELETE');
    throw new ScimError(405, `A ${this.resourceName} supports GET, PUT, PATCH and DELETE`);
  }

  async search(companyId: CompanyId, params: Record<string, unknown>, check?: PendingTokenCheck) {
    const { page, resources } = await this.searchPage(companyId, params, check);
    return listResponse(resources, page);
  }
}

/** The SearchRequest body (RFC 7644 §3.4.3); `attributes` may be a list. */
export function searchBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ScimError.badRequest('invalidSyntax', 'The body must be a SearchRequest');
  }
  return body as Record<string, unknown>;
}
