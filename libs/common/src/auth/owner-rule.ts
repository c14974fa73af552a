import { ForbiddenException } from '@nestjs/common';
import { Actor } from '../tenancy/company-scope';

/**
 * Roles have an order (owner > admin > member): only an owner may grant, change or remove the
 * owner role, so an admin can never make an owner, demote or lock one out, or make owners of
 * everyone provisioned. Call it with whether the change touches the owner role at all.
 */
export function requireOwnerToTouchOwners(actor: Actor, touchesOwner: boolean): void {
  if (!touchesOwner) return;
  if (actor.kind === 'admin' && actor.role === 'owner') return;
  const role = actor.kind === 'admin' ? actor.role : 'a SCIM token';
  throw new ForbiddenException(
    `Only an owner may grant, change or remove the owner role (your role in this company is ${role})`,
  );
}
