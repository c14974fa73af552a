import {
  isPlainObject,
  ResourceDocument,
  SCIM_ENTERPRISE_USER_SCHEMA,
  USER_RESOURCE,
} from '@app/scim-protocol';
import { ResourceTable } from '../query/filter-to-sql';

/** Longest key kept in an indexed column (the columns are varchar(1024)). */
const MAX_KEY = 1024;

/**
 * The folded values of the attributes that have columns of their own beside the lookups
 * (issue 16: admins and IdPs filter and sort on them), taken from the search document (whose
 * strings of caseExact: false attributes are folded already).
 */
export function indexedAttributeKeys(search: ResourceDocument): {
  familyNameKey: string | null;
  givenNameKey: string | null;
  departmentKey: string | null;
} {
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, MAX_KEY) : null);
  const name = isPlainObject(search.name) ? search.name : {};
  const enterprise = search[SCIM_ENTERPRISE_USER_SCHEMA];
  return {
    familyNameKey: text(name.familyName),
    givenNameKey: text(name.givenName),
    departmentKey: text(isPlainObject(enterprise) ? enterprise.department : undefined),
  };
}

/**
 * How SCIM User attributes map onto scim_users and its side tables, for filters and sorting.
 * Every column here has an index beginning with companyId, which also gives the sort order
 * (on PostgreSQL the text keys are in the "C" collation the sort uses, migration
 * 1733300000000).
 */
export const USER_TABLE: ResourceTable = {
  schema: USER_RESOURCE,
  table: '"scim_users"',
  alias: 'u',
  searchDocument: 'u."searchDocument"',
  columns: {
    id: { expr: 'u.id', kind: 'string', folded: false, cursorProperty: 'id' },
    externalId: { expr: 'u."externalId"', kind: 'string', folded: false },
    userName: {
      expr: 'u."userNameKey"',
      kind: 'string',
      folded: true,
      cursorProperty: 'userNameKey',
      sortIndexed: true,
    },
    displayName: { expr: 'u."displayNameKey"', kind: 'string', folded: true, sortIndexed: true },
    'name.familyName': {
      expr: 'u."familyNameKey"',
      kind: 'string',
      folded: true,
      sortIndexed: true,
    },
    'name.givenName': { expr: 'u."givenNameKey"', kind: 'string', folded: true, sortIndexed: true },
    [`${SCIM_ENTERPRISE_USER_SCHEMA}:department`]: {
      expr: 'u."departmentKey"',
      kind: 'string',
      folded: true,
      sortIndexed: true,
    },
    active: { expr: 'u.active', kind: 'boolean', folded: false },
    'meta.created': {
      expr: 'u."createdAt"',
      kind: 'date',
      folded: false,
      cursorProperty: 'createdAt',
    },
    'meta.lastModified': {
      expr: 'u."updatedAt"',
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
