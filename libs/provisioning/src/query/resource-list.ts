import { DataSource, ObjectLiteral } from 'typeorm';
import { rawQuery, StatementText } from '@app/common';
import { ScimError } from '@app/scim-protocol';
import {
  FilterCompiler,
  indexedAttributesHint,
  MAX_ROW_COMPARISONS,
  ResourceTable,
  SqlValue,
} from './filter-to-sql';
import { decodeCursor, encodeCursor, ListRequest } from './list-request';
import { ListStatement } from './list-statement';
import { PageAnchors } from './page-anchors';
import { dialectOf } from './database';

export interface ListPage<T> {
  totalResults: number;
  startIndex?: number;
  rows: T[];
  nextCursor?: string;
}

/**
 * Runs a list request in the database: the filter as SQL, a total, a stable order (the sort
 * attribute, then id), and either index paging (startIndex/count) or RFC 9865 cursor paging
 * (keyset: the cost of a page does not grow with its position).
 */
export async function listResources<T extends ObjectLiteral>(options: {
  companyId: string;
  table: ResourceTable;
  dataSource: DataSource;
  request: ListRequest;
  /** The total without a filter, from the kept counts rather than COUNT(*). */
  unfilteredTotal: () => Promise<number>;
  /** The columns to read, as `alias."column" AS "name"`: rows come back raw, not entities. */
  columns: string[];
  /** Remembered page starts, and the scope (company and resource type) they belong to. */
  anchors?: { cache: PageAnchors; scope: string };
  /**
   * Where statements that scan the company run (CompanyScans: fair between companies, off
   * the event loop on SQLite), with the driver's placeholders.
   */
  reader?: (sql: string, parameters: unknown[]) => Promise<Record<string, unknown>[]>;
  /**
   * PostgreSQL: a token still to be checked (PendingTokenCheck), which the page's read
   * carries when it is the list's first statement and not a scan (issue 16: the common
   * lookup is then one round trip).
   */
  firstRead?: {
    readonly pending: boolean;
    read<R>(sql: string, parameters: unknown[], text: StatementText): Promise<R[]>;
  };
}): Promise<ListPage<T>> {
  const { table, dataSource, request } = options;
  const dialect = dialectOf(dataSource);
  const query = new ListStatement(
    dialect,
    `${table.table} ${table.alias}`,
    options.columns,
    `${table.alias}."companyId" = :companyId`,
    options.companyId,
  );
  const compiler = new FilterCompiler(table, dialect);
  if (request.filter) query.where(compiler.compile(request.filter));

  const idColumn = `${table.alias}.id`;
  // A filter an index serves finds few rows: order them after finding them. Without this a
  // planner (SQLite's, without current statistics) may walk the whole company in id order to
  // avoid a sort (66 ms for an externalId lookup at 100,000 users instead of under 1 ms).
  const orderColumn = compiler.indexServed ? dialect.orderOnly(idColumn) : idColumn;
  let sort: SqlValue = { expr: idColumn, kind: 'string', folded: false, cursorProperty: 'id' };
  if (request.sortBy) {
    const value = compiler.sortValue(request.sortBy);
    if (!value) {
      throw ScimError.badRequest(
        'invalidValue',
        `sortBy "${request.sortBy}" is not a singular attribute of ${table.schema.name}`,
      );
    }
    sort = value;
  }
  query.bind(compiler.parameters.values);
  // A filter or a sort that no index serves reads every row of the company: such a filter is
  // bounded by the company's size, and it runs where scans run.
  const scans =
    compiler.unindexedComparisons > 0 ||
    (request.sortBy !== undefined && !sort.cursorProperty && !sort.sortIndexed);
  if (compiler.unindexedComparisons > 1) {
    const rows = await options.unfilteredTotal();
    if (compiler.unindexedComparisons * rows > MAX_ROW_COMPARISONS) {
      throw ScimError.badRequest(
        'invalidFilter',
        `This filter makes ${compiler.unindexedComparisons} comparisons that no index serves on each of the company's ${rows} ${table.schema.name.toLowerCase()}s; at most ${MAX_ROW_COMPARISONS} such comparisons are allowed in all (${Math.max(1, Math.floor(MAX_ROW_COMPARISONS / Math.max(rows, 1)))} at this size). ${indexedAttributesHint(table)}`,
      );
    }
  }
  const reader = scans ? options.reader : undefined;
  // A statement an index serves: on PostgreSQL prepared among the first request shapes.
  const run = <R>(sql: string, parameters: unknown[]): Promise<R[]> =>
    dialect.name === 'postgres'
      ? rawQuery<R>(dataSource, sql, parameters, 'varying')
      : (dataSource.query(sql, parameters) as Promise<R[]>);
  const { firstRead } = options;
  const rawMany = async ([sql, parameters]: [string, unknown[]]): Promise<T[]> => {
    if (reader) return (await reader(sql, parameters)) as T[];
    // Its text is the filter's and the sort's: named only among the first shapes.
    if (firstRead?.pending) return firstRead.read<T>(sql, parameters, 'varying');
    return run<T>(sql, parameters);
  };

  // totalResults: read from the page itself when the page tells it exactly (a page read by
  // offset that is not full ends the list: the common IdP lookup, `userName eq`, answers 0
  // or 1 row and needs no COUNT); otherwise a COUNT with the filter, or the kept count.
  const countQuery = query.copy();
  const count = async (): Promise<number> => {
    const [sql, parameters] = countQuery.count();
    const [row] = reader
      ? await reader(sql, parameters)
      : await run<{ n: unknown }>(sql, parameters);
    return Number(row?.n ?? 0);
  };
  const total = (exact?: number): Promise<number> =>
    exact !== undefined
      ? Promise.resolve(exact)
      : request.filter
        ? count()
        : options.unfilteredTotal();
  const exactFromOffsetPage = (offset: number, length: number): number | undefined =>
    length < request.count && (length > 0 || offset === 0) ? offset + length : undefined;
  if (request.count === 0) {
    return { totalResults: await total(), startIndex: request.startIndex, rows: [] };
  }

  const descending = request.sortOrder === 'descending';
  const direction = descending ? 'DESC' : 'ASC';
  const sortExpr = sort.kind === 'string' ? dialect.binaryText(sort.expr) : sort.expr;
  // The ORDER BY term of the sort: after an index-served filter, kept out of index choice
  // (as orderColumn above); sorts of the JSON document have no index to keep out of.
  const orderExpr =
    compiler.indexServed && (sort.cursorProperty || sort.sortIndexed)
      ? sort.kind === 'string'
        ? dialect.binaryText(dialect.orderOnly(sort.expr))
        : dialect.orderOnly(sort.expr, sort.kind)
      : sortExpr;
  const sortKey = `${request.sortBy ?? 'id'}:${direction}`;

  if (request.cursor !== undefined) {
    if (!sort.cursorProperty) {
      throw ScimError.badRequest(
        'invalidValue',
        `Cursor paging cannot sort by "${request.sortBy}"; sort by userName, displayName, meta.created or meta.lastModified`,
      );
    }
    if (request.cursor !== '') {
      const position = decodeCursor(request.cursor, sortKey);
      const op = descending ? '<' : '>';
      query.where(seekCondition(sort, sortExpr, idColumn, op), {
        seekValue: position.sortValue,
        seekId: position.id,
      });
    }
    if (sort.cursorProperty !== 'id')
      query.orderBy(`${orderExpr} ${direction}`, `${orderColumn} ${direction}`);
    else query.orderBy(`${orderColumn} ${direction}`);
    const rows = await rawMany(query.select(request.count + 1));
    const hasMore = rows.length > request.count;
    const page = hasMore ? rows.slice(0, request.count) : rows;
    const last = page[page.length - 1] as Record<string, unknown> | undefined;
    const nextCursor =
      hasMore && last
        ? encodeCursor({
            sortValue: cursorValue(last[sort.cursorProperty], sort.kind),
            id: String(last.id),
            sort: sortKey,
          })
        : undefined;
    const exact = request.cursor === '' && !hasMore ? page.length : undefined;
    return { totalResults: await total(exact), rows: page, nextCursor };
  }

  // Which list a remembered page start belongs to: the filter and the order.
  const queryKey = `${JSON.stringify(request.filter ?? null)}\u0000${sortKey}`;
  // Absent values sort last when ascending and first when descending (RFC 7644 §3.4.2.3):
  // said as NULLS LAST / FIRST, which both engines read from an ascending index (SQLite since
  // 3.30), so a sort on an indexed nullable column reads one page of its index.
  if (sort.cursorProperty === 'id') {
    query.orderBy(`${orderColumn} ${direction}`);
  } else {
    query.orderBy(
      `${orderExpr} ${direction} ${descending ? 'NULLS FIRST' : 'NULLS LAST'}`,
      `${orderColumn} ${direction}`,
    );
  }
  const { anchors } = options;
  if (!anchors || !sort.cursorProperty || request.startIndex === 1) {
    const rows = await rawMany(query.select(request.count, request.startIndex - 1));
    rememberNext(rows);
    return {
      totalResults: await total(exactFromOffsetPage(request.startIndex - 1, rows.length)),
      startIndex: request.startIndex,
      rows,
    };
  }
  // Sorting on a never-null column: a remembered start makes this page a keyset read.
  const anchor = anchors.cache.get(anchors.scope, queryKey, request.startIndex);
  let rows: T[];
  let exact: number | undefined;
  if (anchor) {
    const op = descending ? '<' : '>';
    query.where(seekCondition(sort, sortExpr, idColumn, op), {
      seekValue: anchor.value,
      seekId: anchor.id,
    });
    rows = await rawMany(query.select(request.count));
  } else {
    // Read one row more, before the page, and remember it as this page's start.
    const withBefore = await rawMany(query.select(request.count + 1, request.startIndex - 2));
    const before = withBefore.shift() as Record<string, unknown> | undefined;
    if (before) {
      anchors.cache.set(
        anchors.scope,
        queryKey,
        request.startIndex,
        cursorValue(before[sort.cursorProperty], sort.kind)!,
        String(before.id),
      );
    }
    rows = withBefore;
    // Read by offset, so its position is exact (a remembered start may have moved since).
    exact = exactFromOffsetPage(request.startIndex - 1, rows.length);
  }
  rememberNext(rows);
  return { totalResults: await total(exact), startIndex: request.startIndex, rows };

  function rememberNext(page: T[]) {
    const last = page[page.length - 1] as Record<string, unknown> | undefined;
    if (anchors && sort.cursorProperty && last && page.length === request.count) {
      anchors.cache.set(
        anchors.scope,
        queryKey,
        request.startIndex + request.count,
        cursorValue(last[sort.cursorProperty], sort.kind)!,
        String(last.id),
      );
    }
  }
}

/**
 * "After this row" in the page order, as a row value comparison, which SQLite and PostgreSQL
 * both answer with an index range scan (an OR of two comparisons would scan from the start).
 */
function seekCondition(sort: SqlValue, sortExpr: string, idColumn: string, op: '<' | '>'): string {
  if (sort.cursorProperty === 'id') return `${idColumn} ${op} :seekId`;
  return `(${sortExpr}, ${idColumn}) ${op} (:seekValue, :seekId)`;
}

function cursorValue(value: unknown, kind: SqlValue['kind']): string | number | null {
  // PostgreSQL returns BIGINT as a string; dates are epoch milliseconds.
  if (kind === 'date' && value !== null && value !== undefined) return Number(value);
  if (typeof value === 'string' || typeof value === 'number') return value;
  return null;
}
