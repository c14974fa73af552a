import { Filter, parseFilter, ScimError } from '@app/scim-protocol';

/** `maxResults` advertised in ServiceProviderConfig: the largest page we answer. */
export const MAX_RESULTS = 1000;
/** The page size when the client names none (RFC 7644 §3.4.2.4 leaves it to us). */
export const DEFAULT_COUNT = 100;

/**
 * The largest startIndex we pass on: any start past it is past every row a company can hold,
 * so a larger one (1e308, 99999999999999999999) answers the same empty page instead of a
 * number the database cannot bind.
 */
export const MAX_START_INDEX = 2_147_483_647;

/** A list or .search request (RFC 7644 §3.4.2, §3.4.3; cursor paging from RFC 9865). */
export interface ListRequest {
  filter?: Filter;
  startIndex: number;
  count: number;
  sortBy?: string;
  sortOrder: 'ascending' | 'descending';
  attributes?: string;
  excludedAttributes?: string;
  /** RFC 9865: "" asks for the first page by cursor; otherwise an opaque cursor we issued. */
  cursor?: string;
}

const invalidValue = (detail: string) => ScimError.badRequest('invalidValue', detail);

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number) || !Number.isInteger(number))
    throw invalidValue(`${name} must be an integer`);
  return number;
}

function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((part) => text(part, name)).join(',');
  if (typeof value !== 'string') throw invalidValue(`${name} must be a string`);
  return value;
}

/** Reads list parameters from a query string or a SearchRequest body, case-insensitively. */
export function parseListRequest(source: Record<string, unknown>): ListRequest {
  const params = Object.fromEntries(
    Object.entries(source).map(([key, value]) => [key.toLowerCase(), value]),
  );
  const filterText = text(params.filter, 'filter');
  // RFC 7644 §3.4.2.4: startIndex below 1 is taken as 1; a negative count as 0.
  const startIndex = Math.min(
    MAX_START_INDEX,
    Math.max(1, integer(params.startindex, 'startIndex') ?? 1),
  );
  const count = Math.min(MAX_RESULTS, Math.max(0, integer(params.count, 'count') ?? DEFAULT_COUNT));
  const order = text(params.sortorder, 'sortOrder')?.toLowerCase();
  if (order !== undefined && order !== 'ascending' && order !== 'descending') {
    throw invalidValue('sortOrder must be "ascending" or "descending"');
  }
  const cursor = text(params.cursor, 'cursor');
  if (cursor !== undefined && params.startindex !== undefined) {
    throw invalidValue('Use either cursor or startIndex paging, not both (RFC 9865)');
  }
  return {
    filter:
      filterText !== undefined && filterText.trim() !== '' ? parseFilter(filterText) : undefined,
    startIndex,
    count,
    sortBy: text(params.sortby, 'sortBy') || undefined,
    sortOrder: order === 'descending' ? 'descending' : 'ascending',
    attributes: text(params.attributes, 'attributes'),
    excludedAttributes: text(params.excludedattributes, 'excludedAttributes'),
    cursor,
  };
}

/** The keyset position a cursor carries: the last row's sort value and id. */
export interface CursorPosition {
  sortValue: string | number | null;
  id: string;
  /** The sort it belongs to, so a cursor is not reused with another ordering. */
  sort: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.sortValue, position.id, position.sort])).toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string, sort: string): CursorPosition {
  try {
    const [sortValue, id, encodedSort] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    ) as [string | number | null, string, string];
    if (typeof id !== 'string' || encodedSort !== sort) throw new Error('mismatch');
    if (sortValue !== null && typeof sortValue !== 'string' && typeof sortValue !== 'number')
      throw new Error('bad');
    return { sortValue, id, sort };
  } catch {
    // RFC 9865 §5: an unusable cursor is 400 invalidCursor.
    throw ScimError.badRequest('invalidCursor', 'The cursor is not valid for this query');
  }
}
