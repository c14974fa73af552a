import { SCIM_GROUP_SCHEMA } from '@app/scim-protocol';
import { isoInstant } from '../instant-text';
import { etagOf } from '../resource-version';
import { GroupMemberType, ScimGroupEntity } from './scim-group.entity';

export interface GroupMember {
  value: string;
  display: string | null;
  type: GroupMemberType;
}

/** What rendering a group needs, read straight from the row. */
export interface GroupRow {
  id: string;
  externalId: string | null;
  displayName: string;
  /** The stored document (without displayName, externalId and members), as JSON text. */
  document: string;
  version: number | string;
  createdAt: number | string;
  updatedAt: number | string;
  displayNameKey?: string;
}

export const GROUP_ROW_COLUMNS = [
  'g.id AS "id"',
  'g."externalId" AS "externalId"',
  'g."displayName" AS "displayName"',
  'g.document AS "document"',
  'g.version AS "version"',
  'g."createdAt" AS "createdAt"',
  'g."updatedAt" AS "updatedAt"',
  'g."displayNameKey" AS "displayNameKey"',
];

export function groupRowOf(group: ScimGroupEntity): GroupRow {
  return {
    id: group.id,
    externalId: group.externalId,
    displayName: group.displayName,
    document: JSON.stringify(group.document),
    version: group.version,
    createdAt: group.createdAt.getTime(),
    updatedAt: group.updatedAt.getTime(),
  };
}

/** A stored group as the SCIM Group resource (RFC 7643 §4.2); members only when loaded. */
export function groupResource(
  group: GroupRow,
  baseUrl: string,
  members?: GroupMember[],
): Record<string, unknown> {
  return {
    schemas: [SCIM_GROUP_SCHEMA],
    id: group.id,
    ...(group.externalId !== null ? { externalId: group.externalId } : {}),
    ...(JSON.parse(group.document) as Record<string, unknown>),
    displayName: group.displayName,
    ...(members
      ? {
          members: members.map((member) => ({
            value: member.value,
            $ref: `${baseUrl}/${member.type === 'group' ? 'Groups' : 'Users'}/${member.value}`,
            type: member.type === 'group' ? 'Group' : 'User',
            ...(member.display ? { display: member.display } : {}),
          })),
        }
      : {}),
    meta: {
      resourceType: 'Group',
      created: isoInstant(group.createdAt),
      lastModified: isoInstant(group.updatedAt),
      location: `${baseUrl}/Groups/${group.id}`,
      version: etagOf(Number(group.version)),
    },
  };
}
