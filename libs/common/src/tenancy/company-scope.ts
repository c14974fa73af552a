import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { CompanyId } from './company-id';

export type CompanyRole = 'owner' | 'admin' | 'member';

/** Who acts: an admin from the platform's JWT, or an identity provider holding a SCIM token. */
export type Actor =
  | { kind: 'admin'; sub: string; email?: string; role: CompanyRole }
  | { kind: 'scimToken'; tokenId: string };

/** A stable, printable id of the actor, recorded as `createdBy`, `revokedBy`, `updatedBy`. */
export function actorId(actor: Actor): string {
  return actor.kind === 'admin' ? actor.sub : `scim-token:${actor.tokenId}`;
}

/** What a guard resolved for this request: the tenant, and who acts within it. */
export interface CompanyScope {
  companyId: CompanyId;
  actor: Actor;
}

const SCOPE = Symbol('companyScope');
type ScopedRequest = Request & { [SCOPE]?: CompanyScope };

export function setCompanyScope(request: Request, scope: CompanyScope): void {
  (request as ScopedRequest)[SCOPE] = scope;
}

export function getCompanyScope(request: Request): CompanyScope | undefined {
  return (request as ScopedRequest)[SCOPE];
}

function requireScope(ctx: ExecutionContext): CompanyScope {
  const scope = getCompanyScope(ctx.switchToHttp().getRequest<Request>());
  if (!scope) {
    // A programming error, not a client error: a handler asked for the tenant on a route
    // that no company guard protects. Failing loudly beats serving unscoped data.
    throw new Error('CurrentCompany used on a route without a company guard');
  }
  return scope;
}

/** The company the guard resolved; throws if no guard ran. */
export const CurrentCompany = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): CompanyId => requireScope(ctx).companyId,
);

/** The actor the guard resolved (admin or SCIM token); throws if no guard ran. */
export const CurrentActor = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Actor => requireScope(ctx).actor,
);
