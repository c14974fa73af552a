import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';

const sqliteText = new Map<string, { text: string; order: number[] }>();

/**
 * Plain SQL with PostgreSQL-style `$1` placeholders, run on either engine (SQLite gets `?`s
 * and the parameters in the order they appear). For the statements on every SCIM request
 * (token, user by id, a user's groups, the member link of a write), where TypeORM's builders
 * cost more than the query: the SQL is written once, and prepared once by the driver.
 */
export function rawQuery<T>(
  runner: DataSource | EntityManager,
  sql: string,
  parameters: unknown[],
  /** PostgreSQL: whether the text is the caller's constant or varies with the request. */
  text: StatementText = 'constant',
): Promise<T[]> {
  const type = (runner instanceof DataSource ? runner : runner.connection).options.type;
  // Instants are epoch milliseconds on both engines (see TimestampColumn); SQLite binds no
  // booleans, so they go as 1 and 0 as TypeORM stores them.
  const bound = parameters.map((value) =>
    value instanceof Date
      ? value.getTime()
      : typeof value === 'boolean' && type !== 'postgres'
        ? Number(value)
        : value,
  );
  if (type === 'postgres') {
    // A statement of many parameters is a batch (an IN list, a page of members), a text per
    // size: prepared, it would hold a slot below and a plan on each connection for nothing.
    const name =
      bound.length <= MAX_NAMED_PARAMETERS ? postgresStatementName(sql, text) : undefined;
    // pg's query config: a named statement is parsed and planned once per connection.
    return runner.query((name ? { name, text: sql } : sql) as string, bound);
  }
  let converted = sqliteText.get(sql);
  if (!converted) {
    const order: number[] = [];
    const text = sql.replace(/\$(\d+)/g, (_, index: string) => {
      order.push(Number(index) - 1);
      return '?';
    });
    converted = { text, order };
    // Callers pass constant SQL, or SQL that varies only in a bounded way (IN lists up to a
    // batch size), so this stays small.
    if (sqliteText.size < 1000) sqliteText.set(sql, converted);
  }
  return runner.query(
    converted.text,
    converted.order.map((index) => bound[index]),
  );
}

/**
 * `constant`: SQL written in the code, or varying only in a bounded way. `varying`: SQL whose
 * text the request decides (a list's filter and sort, built per request): named only up to
 * MAX_NAMED_VARYING of them, so that requests cannot take the constant statements' names.
 */
export type StatementText = 'constant' | 'varying';

const statementNames = new Map<string, string>();
let namedVarying = 0;
/**
 * How many request-shaped statements are named: the shapes IdPs send (a `userName eq`
 * lookup, a displayName lookup, the paging of a full sync) are a handful, and come first.
 */
const MAX_NAMED_VARYING = 64;
/**
 * How many distinct statements are named: the ones every request sends come first and are
 * constant; IN lists of every length beyond this go unnamed, so that no connection keeps
 * thousands of prepared statements.
 */
const MAX_NAMED_STATEMENTS = 256;
/**
 * The most parameters a named statement takes: a SCIM write's commit statement (the user, its
 * emails, the member and the events; the widest of what every request sends) has 40 to 50.
 */
const MAX_NAMED_PARAMETERS = 128;

/**
 * PostgreSQL: the name rawQuery prepares `sql` under (a hash of its text, so one name never
 * means two statements), or undefined past MAX_NAMED_STATEMENTS. Unnamed, each statement was
 * parsed and planned at every request (issue 16); named, pg prepares it once per connection
 * and PostgreSQL reuses the plan where a generic one costs no more than the custom ones
 * (plan_cache_mode auto). Every statement sent this way is an indexed lookup or write.
 */
function postgresStatementName(sql: string, text: StatementText): string | undefined {
  let name = statementNames.get(sql);
  if (name || statementNames.size >= MAX_NAMED_STATEMENTS) return name;
  if (text === 'varying') {
    if (namedVarying >= MAX_NAMED_VARYING) return undefined;
    namedVarying++;
  }
  name = `scim_${createHash('sha1').update(sql).digest('hex')}`;
  statementNames.set(sql, name);
  return name;
}

/** `$first, $first+1, …` for `count` values: the placeholders of a row or an IN list. */
export function sqlPlaceholders(count: number, first = 1): string {
  return Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ');
}

/** A boolean column as read back raw: SQLite gives 1/0, PostgreSQL true/false. */
export function sqlBoolean(value: unknown): boolean {
  return value === true || Number(value) === 1;
}

/**
 * The rows of an UPDATE or DELETE ... RETURNING. (TypeORM answers such a statement on
 * PostgreSQL as `[rows, rowCount]`, and as the rows on SQLite.)
 */
export async function rawReturning<T>(
  runner: DataSource | EntityManager,
  sql: string,
  parameters: unknown[],
): Promise<T[]> {
  const result = (await rawQuery<unknown>(runner, sql, parameters)) as unknown[];
  const type = (runner instanceof DataSource ? runner : runner.connection).options.type;
  return (type === 'postgres' ? result[0] : result) as T[];
}
