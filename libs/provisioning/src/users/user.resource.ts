import { SCIM_ENTERPRISE_USER_SCHEMA, SCIM_USER_SCHEMA } from '@app/scim-protocol';
import { isoInstant } from '../instant-text';
import { etagOf } from '../resource-version';
import { ScimUserEntity } from './scim-user.entity';

/** What rendering a user needs, read straight from the row (no entity hydration on reads). */
export interface UserRow {
  id: string;
  externalId: string | null;
  /** The stored document, as JSON text (`active` in it while assigned). */
  document: string;
  version: number | string;
  createdAt: number | string;
  updatedAt: number | string;
  /** Present when a list was sorted or paged by it (cursor paging reads it back). */
  userNameKey?: string;
  /** PostgreSQL: the user's groups as a JSON array, read with the row (userRowColumns). */
  groups?: string | null;
}

/** The columns of a UserRow, over `scim_users u`. */
export const USER_ROW_COLUMNS = [
  'u.id AS "id"',
  'u."externalId" AS "externalId"',
  'u.document AS "document"',
  'u.version AS "version"',
  'u."createdAt" AS "createdAt"',
  'u."updatedAt" AS "updatedAt"',
  'u."userNameKey" AS "userNameKey"',
];

/**
 * PostgreSQL: the groups of the user `u` as a JSON array, in the order the separate read
 * (GroupsService.groupsOf) gives them, read with the user in the same statement (each
 * statement is a round trip there; issue 16). SQLite runs in process and reads them apart.
 */
export const USER_GROUPS_POSTGRES_SQL = `(SELECT json_agg(json_build_object('value', g."id", 'display', g."displayName")
                   ORDER BY g."displayNameKey")::text
     FROM "scim_group_members" gm JOIN "scim_groups" g ON g."id" = gm."groupId"
    WHERE gm."companyId" = u."companyId" AND gm."memberId" = u."id")`;

/** The columns of a UserRow on this engine: on PostgreSQL with the user's groups. */
export function userRowColumns(postgres: boolean): string[] {
  return postgres
    ? [...USER_ROW_COLUMNS, `${USER_GROUPS_POSTGRES_SQL} AS "groups"`]
    : USER_ROW_COLUMNS;
}

/** The same columns for one user by id, as plain SQL (the hot read of GET /Users/{id}). */
export function userByIdSql(postgres: boolean): string {
  return `SELECT ${userRowColumns(postgres).join(', ')} FROM "scim_users" u WHERE u."companyId" = $1 AND u."id" = $2`;
}

/** The groups read with the rows (PostgreSQL), by user id; undefined: read them apart. */
export function groupsReadWith(
  rows: { id: string; groups?: string | null }[],
): Map<string, UserGroups> | undefined {
  if (rows.length === 0 || rows[0].groups === undefined) return undefined;
  return new Map(
    rows.map((row) => [row.id, row.groups ? (JSON.parse(row.groups) as UserGroups) : []]),
  );
}

export function userRowOf(user: ScimUserEntity): UserRow {
  return {
    id: user.id,
    externalId: user.externalId,
    document: JSON.stringify(user.document),
    version: user.version,
    createdAt: user.createdAt.getTime(),
    updatedAt: user.updatedAt.getTime(),
  };
}

export type UserGroups = { value: string; display: string }[];

/** Extensions in `schemas`: the enterprise one first (the order IdPs show). */
function byEnterpriseFirst(a: string, b: string): number {
  return a === SCIM_ENTERPRISE_USER_SCHEMA ? -1 : b === SCIM_ENTERPRISE_USER_SCHEMA ? 1 : 0;
}

function extensionsOf(document: Record<string, unknown>): string[] {
  return Object.keys(document)
    .filter((key) => key.toLowerCase().startsWith('urn:'))
    .sort(byEnterpriseFirst);
}

/** Whether the quote at `at` is escaped (an odd run of backslashes before it). */
function escapedQuote(text: string, at: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
  return backslashes % 2 === 1;
}

/**
 * The `urn:` keys at the top level of a JSON object's text, as extensionsOf would list them
 * from the parsed object, without parsing it: a walk that skips strings whole (indexOf) and
 * counts brackets. About half of a parse's time for a user (issue 16: a page renders 100).
 */
export function topLevelExtensions(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let end = text.indexOf('"', i + 1);
      while (end > 0 && escapedQuote(text, end)) end = text.indexOf('"', end + 1);
      // Not the JSON text of an object (never so for what we store): ask the parser.
      if (end < 0) return extensionsOf(JSON.parse(text) as Record<string, unknown>);
      const key = depth === 1 && text.charCodeAt(end + 1) === 0x3a; // followed by ':'
      if (key && text.slice(i + 1, i + 5).toLowerCase() === 'urn:') {
        keys.push(JSON.parse(text.slice(i, end + 1)) as string);
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return keys.sort(byEnterpriseFirst);
}

/** `schemas` as JSON text, per set of extensions (a company's users share one or two). */
const schemasTexts = new Map<string, string>();
function schemasJson(extensions: string[]): string {
  const key = extensions.join(' ');
  let text = schemasTexts.get(key);
  if (text === undefined) {
    text = JSON.stringify([SCIM_USER_SCHEMA, ...extensions]);
    if (schemasTexts.size < 256) schemasTexts.set(key, text);
  }
  return text;
}

function groupsOf(groups: UserGroups | undefined, baseUrl: string) {
  // RFC 7643 §4.1.2: read-only, the user's direct memberships.
  return groups?.map((group) => ({
    value: group.value,
    $ref: `${baseUrl}/Groups/${group.value}`,
    display: group.display,
    type: 'direct',
  }));
}

function metaOf(row: UserRow, baseUrl: string) {
  return {
    resourceType: 'User',
    created: isoInstant(row.createdAt),
    lastModified: isoInstant(row.updatedAt),
    location: `${baseUrl}/Users/${row.id}`,
    version: etagOf(Number(row.version)),
  };
}

/** A stored user as the SCIM User resource (RFC 7643 §4.1), `schemas` listing what it holds. */
export function userResource(
  row: UserRow,
  baseUrl: string,
  groups?: UserGroups,
): Record<string, unknown> {
  const document = JSON.parse(row.document) as Record<string, unknown>;
  const memberships = groupsOf(groups, baseUrl);
  return {
    schemas: [SCIM_USER_SCHEMA, ...extensionsOf(document)],
    id: row.id,
    ...(row.externalId !== null ? { externalId: row.externalId } : {}),
    ...document,
    ...(memberships?.length ? { groups: memberships } : {}),
    meta: metaOf(row, baseUrl),
  };
}

/**
 * The same resource as JSON text, built around the stored document's text without parsing
 * and re-serialising it: the fast path for reads without `attributes`/`excludedAttributes`.
 * A unit test holds it equal to userResource.
 */
export function userResourceJson(row: UserRow, baseUrl: string, groups?: UserGroups): string {
  const text = row.document;
  // The document is an object we wrote; its `urn:` keys are the extensions it holds.
  const extensions = text.includes('"urn:') ? topLevelExtensions(text) : [];
  // The stored document never holds `id` or `externalId` (columns hold them); it holds
  // `active` only while the attribute is assigned.
  const body = text.length > 2 ? `${text.slice(1, -1)},` : '';
  const memberships = groupsOf(groups, baseUrl);
  // meta as metaOf builds it, written out: its instants need no escaping.
  return (
    `{"schemas":${schemasJson(extensions)},"id":${JSON.stringify(row.id)},` +
    (row.externalId !== null ? `"externalId":${JSON.stringify(row.externalId)},` : '') +
    body +
    (memberships?.length ? `"groups":${JSON.stringify(memberships)},` : '') +
    `"meta":{"resourceType":"User","created":"${isoInstant(row.createdAt)}",` +
    `"lastModified":"${isoInstant(row.updatedAt)}",` +
    `"location":${JSON.stringify(`${baseUrl}/Users/${row.id}`)},` +
    `"version":${JSON.stringify(etagOf(Number(row.version)))}}}`
  );
}
