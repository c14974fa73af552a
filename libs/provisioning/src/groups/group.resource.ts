import { SCIM_GROUP_SCHEMA } from '@app/scim-protocol';
import { etagOf } from '../resource-version';
import { ScimGroupEntity } from './scim-group.entity';

export interface GroupMember {
  value: string;
  display: string | null;
}

/** A stored group as the SCIM Group resource (RFC 7643 §4.2); members only when loaded. */
export function groupResource(
  group: ScimGroupEntity,
  baseUrl: string,
  members?: GroupMember[],
): Record<string, unknown> {
  return {
    schemas: [SCIM_GROUP_SCHEMA],
    id: group.id,
    ...(group.externalId !== null ? { externalId: group.externalId } : {}),
    ...group.document,
    displayName: group.displayName,
    ...(members
      ? {
          members: members.map((member) => ({
            value: member.value,
            $ref: `${baseUrl}/Users/${member.value}`,
            type: 'User',
            ...(member.display ? { display: member.display } : {}),
          })),
        }
      : {}),
    meta: {
      resourceType: 'Group',
      created: group.createdAt.toISOString(),
      lastModified: group.updatedAt.toISOString(),
      location: `${baseUrl}/Groups/${group.id}`,
      version: etagOf(group.version),
    },
  };
}
