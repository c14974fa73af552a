import { SqlDialect } from './sql-dialect';

/**
 * The SELECT of a list request, written as text: one company's rows of one table, the
 * filter's conditions, an order and a window, with the driver's placeholders (`$n` on
 * PostgreSQL, `?` on SQLite).
 *
 * Issue 16: TypeORM's SelectQueryBuilder cost about a tenth of a `userName eq` lookup's CPU
 * (it re-reads its own text with a regular expression per entity property, and the count's
 * clone copies its whole expression map) for a statement whose every part the filter
 * compiler and the list already write. On PostgreSQL the offset is bound, so a list's pages
 * are one statement text (one prepared statement), whatever their position (see select).
 *
 * Conditions name their parameters `:name` (the filter compiler's `:f0`, `:companyId`); a name
 * is replaced only where no word character or colon precedes it, so PostgreSQL casts
 * (`'[]'::jsonb`) and literals such as URNs stay as written.
 */
export class ListStatement {
  private conditions: string[];
  private parameters: Record<string, unknown>;
  private order: string[] = [];

  constructor(
    private readonly dialect: SqlDialect,
    /** `"scim_users" u`: the table, quoted, and its alias. */
    private readonly from: string,
    private readonly columns: readonly string[],
    /** The company's condition, first in every statement (`u."companyId" = :companyId`). */
    companyCondition: string,
    companyId: string,
  ) {
    this.conditions = [companyCondition];
    this.parameters = { companyId };
  }

  where(condition: string, parameters: Record<string, unknown> = {}): this {
    this.conditions.push(`(${condition})`);
    return this.bind(parameters);
  }

  /** Parameters of conditions already added (the compiler's, once the sort is compiled too). */
  bind(parameters: Record<string, unknown>): this {
    Object.assign(this.parameters, parameters);
    return this;
  }

  /** Replaces the order: each term as `expr ASC` or `expr DESC NULLS FIRST`. */
  orderBy(...terms: string[]): this {
    this.order = terms;
    return this;
  }

  /** The same statement, to be changed apart (the count keeps the filter, not the seek). */
  copy(): ListStatement {
    const [company, ...rest] = this.conditions;
    const copy = new ListStatement(this.dialect, this.from, this.columns, company, '');
    copy.conditions.push(...rest);
    copy.parameters = { ...this.parameters };
    copy.order = [...this.order];
    return copy;
  }

  /** The rows of a window of the order. */
  select(limit: number, offset = 0): [string, unknown[]] {
    const order = this.order.length > 0 ? ` ORDER BY ${this.order.join(', ')}` : '';
    const rows = `SELECT ${this.columns.join(', ')} FROM ${this.from} WHERE ${this.conditions.join(' AND ')}${order} LIMIT ${Math.trunc(limit)}`;
    // The page size is in the text (a client keeps one), so the planner knows how many rows
    // are wanted; bound, SQLite's statement for a `userName eq` lookup took 65 µs instead of
    // 33 (bench/profile.mjs filter, STATEMENTS=1). PostgreSQL binds the offset, so that the
    // pages of a full sync are one prepared statement rather than one text per position.
    if (this.dialect.name === 'sqlite') return this.text(`${rows} OFFSET ${Math.trunc(offset)}`);
    return this.text(`${rows} OFFSET :listOffset`, { listOffset: offset });
  }

  /** How many rows the conditions match. */
  count(): [string, unknown[]] {
    return this.text(
      `SELECT COUNT(*) AS "n" FROM ${this.from} WHERE ${this.conditions.join(' AND ')}`,
    );
  }

  private text(sql: string, extra: Record<string, unknown> = {}): [string, unknown[]] {
    const parameters = { ...this.parameters, ...extra };
    const { text, names } = placeholders(sql, this.dialect.name, parameters);
    return [text, names.map((name) => parameters[name])];
  }
}

const converted = new Map<string, { text: string; names: string[] }>();
/** Distinct statement texts kept converted: the shapes of lists clients send are few. */
const MAX_CONVERTED = 1000;

/**
 * `:name` to the driver's placeholders: PostgreSQL numbers each name once (`$1` again where
 * `:companyId` comes again), SQLite takes one `?` per occurrence.
 */
function placeholders(
  sql: string,
  engine: SqlDialect['name'],
  parameters: Record<string, unknown>,
): { text: string; names: string[] } {
  const key = `${engine}\u0000${sql}`;
  const known = converted.get(key);
  if (known) return known;
  const names: string[] = [];
  const text = sql.replace(/(?<![\w:]):([A-Za-z_]\w*)/g, (match, name: string) => {
    if (!(name in parameters)) return match;
    if (engine === 'sqlite') {
      names.push(name);
      return '?';
    }
    let index = names.indexOf(name);
    if (index < 0) index = names.push(name) - 1;
    return `$${index + 1}`;
  });
  const result = { text, names };
  if (converted.size < MAX_CONVERTED) converted.set(key, result);
  return result;
}
