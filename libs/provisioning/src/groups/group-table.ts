import { GROUP_RESOURCE } from '@app/scim-protocol';
import { ResourceTable } from '../query/filter-to-sql';

/** How SCIM Group attributes map onto scim_groups and its memberships, for filters and sorting. */
export const GROUP_TABLE: ResourceTable = {
  schema: GROUP_RESOURCE,
  table: '"scim_groups"',
  alias: 'g',
  searchDocument: 'g."searchDocument"',
  columns: {
    id: { expr: 'g.id', kind: 'string', folded: false, cursorProperty: 'id' },
    externalId: { expr: 'g."externalId"', kind: 'string', folded: false },
    displayName: {
      expr: 'g."displayNameKey"',
      kind: 'string',
      folded: true,
      cursorProperty: 'displayNameKey',
    },
    'meta.created': {
      expr: 'g."createdAt"',
      kind: 'date',
      folded: false,
      cursorProperty: 'createdAt',
    },
    'meta.lastModified': {
      expr: 'g."updatedAt"',
      kind: 'date',
      folded: false,
      cursorProperty: 'updatedAt',
    },
  },
  sideTables: {
    members: {
      table: '"scim_group_members"',
      owner: 'groupId',
      indexed: ['value'],
      subAttribute: (name, alias) => {
        if (name === 'value') return { expr: `${alias}."memberId"`, kind: 'string', folded: false };
        // Stored lowercase ('user', 'group'): compared case-insensitively, as RFC 7643 §2.4 has it.
        if (name === 'type') return { expr: `${alias}."memberType"`, kind: 'string', folded: true };
        return undefined;
      },
    },
  },
  constants: { 'meta.resourceType': 'Group' },
};
