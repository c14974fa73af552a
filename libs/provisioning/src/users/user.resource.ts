import { SCIM_ENTERPRISE_USER_SCHEMA, SCIM_USER_SCHEMA } from '@app/scim-protocol';
import { etagOf } from '../resource-version';
import { ScimUserEntity } from './scim-user.entity';

/** A stored user as the SCIM User resource (RFC 7643 §4.1), `schemas` listing what it holds. */
export function userResource(
  user: ScimUserEntity,
  baseUrl: string,
  groups?: { value: string; display: string }[],
): Record<string, unknown> {
  const extensions = Object.keys(user.document).filter((key) =>
    key.toLowerCase().startsWith('urn:'),
  );
  const ordered = extensions.sort((a, b) =>
    a === SCIM_ENTERPRISE_USER_SCHEMA ? -1 : b === SCIM_ENTERPRISE_USER_SCHEMA ? 1 : 0,
  );
  return {
    schemas: [SCIM_USER_SCHEMA, ...ordered],
    id: user.id,
    ...(user.externalId !== null ? { externalId: user.externalId } : {}),
    ...user.document,
    active: user.active,
    // RFC 7643 §4.1.2: read-only, the user's direct memberships.
    ...(groups && groups.length
      ? {
          groups: groups.map((group) => ({
            value: group.value,
            $ref: `${baseUrl}/Groups/${group.value}`,
            display: group.display,
            type: 'direct',
          })),
        }
      : {}),
    meta: {
      resourceType: 'User',
      created: user.createdAt.toISOString(),
      lastModified: user.updatedAt.toISOString(),
      location: `${baseUrl}/Users/${user.id}`,
      version: etagOf(user.version),
    },
  };
}
