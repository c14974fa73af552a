import { USER_RESOURCE } from '@app/scim-protocol';
import { ResourceTable } from '../query/filter-to-sql';

/** How SCIM User attributes map onto scim_users and its side tables, for filters and sorting. */
export const USER_TABLE: ResourceTable = {
  schema: USER_RESOURCE,
  alias: 'u',
  searchDocument: 'u.searchDocument',
  columns: {
    id: { expr: 'u.id', kind: 'string', folded: false, cursorProperty: 'id' },
    externalId: { expr: 'u.externalId', kind: 'string', folded: false },
    userName: {
      expr: 'u.userNameKey',
      kind: 'string',
      folded: true,
      cursorProperty: 'userNameKey',
    },
    displayName: { expr: 'u.displayNameKey', kind: 'string', folded: true },
    active: { expr: 'u.active', kind: 'boolean', folded: false },
    'meta.created': {
      expr: 'u.createdAt',
      kind: 'date',
      folded: false,
      cursorProperty: 'createdAt',
    },
    'meta.lastModified': {
      expr: 'u.updatedAt',
      kind: 'date',
      folded: false,
      cursorProperty: 'updatedAt',
    },
  },
  sideTables: {
    emails: {
      table: '"scim_user_emails"',
      owner: 'userId',
      indexed: ['value'],
      subAttribute: (name, alias) => {
        switch (name) {
          case 'value':
            return { expr: `${alias}."valueKey"`, kind: 'string', folded: true };
          case 'type':
            return { expr: `${alias}."typeKey"`, kind: 'string', folded: true };
          case 'display':
            return { expr: `${alias}."displayKey"`, kind: 'string', folded: true };
          case 'primary':
            return { expr: `${alias}."primary"`, kind: 'boolean', folded: false };
          default:
            return undefined;
        }
      },
    },
    groups: {
      table: '"scim_group_members"',
      owner: 'memberId',
      indexed: ['value'],
      subAttribute: (name, alias) => {
        if (name === 'value') return { expr: `${alias}."groupId"`, kind: 'string', folded: false };
        if (name === 'type') return { expr: `'direct'`, kind: 'string', folded: true };
        return undefined;
      },
    },
  },
  constants: { 'meta.resourceType': 'User' },
};
