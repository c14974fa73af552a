import {
  AttributeDefinition,
  CompareOperator,
  CompareValue,
  Filter,
  foldCase,
  formatPath,
  parseAttributePath,
  resolveAttribute,
  ResourceSchema,
  ScimError,
} from '@app/scim-protocol';
import { SqlDialect } from './sql-dialect';

/** How a scalar reads in SQL, and how to compare it. */
export interface SqlValue {
  expr: string;
  kind: 'string' | 'boolean' | 'date' | 'number';
  /** Stored case-folded (caseExact: false): literals are folded in code before comparing. */
  folded: boolean;
  /** Booleans that come from JSON text rather than a boolean column. */
  jsonBoolean?: boolean;
  /** For a never-null column: the entity property, so cursor paging can seek on it. */
  cursorProperty?: string;
  /**
   * The column's index is in code point order on both engines (on PostgreSQL the column is in
   * the "C" collation): a sort by it reads a page of the index (absent values last, RFC 7644
   * §3.4.2.3, as `NULLS LAST`), and so does `sw`, as a range.
   */
  sortIndexed?: boolean;
}

/** A multi-valued attribute held in a side table rather than in the JSON document. */
export interface SideTable {
  /** The table, quoted. */
  table: string;
  /** The column holding the resource's id. */
  owner: string;
  /** The SQL of each filterable sub-attribute, for element rows under `alias`. */
  subAttribute(name: string, alias: string): SqlValue | undefined;
  /** Sub-attributes an index of the side table serves for equality (with companyId first). */
  indexed: string[];
}

/**
 * How much per-row work one filter may ask for: each comparison that no index serves is
 * evaluated on every row of the company (100,000 users: about a millisecond per comparison
 * on this machine). Indexed lookups (equality, IN, ranges on indexed columns, semi-joins on
 * side tables) cost nothing here. 150 OR'd value filters on groups, each a scan, held the
 * event loop for a second; this refuses such a filter with a message saying why.
 */
export const MAX_UNINDEXED_COMPARISONS = 16;

/**
 * The same bound relative to the company's size: unindexed comparisons times rows. 500,000
 * allows the 16 comparisons up to 31,250 users and 5 at 100,000 (on PostgreSQL each
 * comparison on a JSON attribute re-reads the row's document: about 150 ms per 100,000 rows).
 */
export const MAX_ROW_COMPARISONS = 500_000;

/** How one resource type is laid out in SQL. */
export interface ResourceTable {
  schema: ResourceSchema;
  /** The table, quoted. */
  table: string;
  alias: string;
  /** The column holding the folded search document (JSON text). */
  searchDocument: string;
  /** Indexed columns, by canonical path ("userName", "meta.created"). */
  columns: Record<string, SqlValue>;
  /** Multi-valued attributes kept in side tables, by canonical attribute name ("emails"). */
  sideTables: Record<string, SideTable>;
  /** Constant-valued attributes (meta.resourceType). */
  constants: Record<string, string>;
}

/** What an error about an unindexed filter suggests instead: this table's indexed attributes. */
export function indexedAttributesHint(table: ResourceTable): string {
  const attributes = [
    ...Object.entries(table.columns)
      .filter(([, value]) => value.kind !== 'boolean')
      .map(([path]) => path),
    ...Object.entries(table.sideTables).flatMap(([name, side]) =>
      side.indexed.map((sub) => `${name}.${sub}`),
    ),
  ];
  return `Compare indexed attributes (${attributes.join(', ')}) with eq, or narrow the filter`;
}

const invalidFilter = (detail: string) => ScimError.badRequest('invalidFilter', detail);

/** Accumulates named parameters for TypeORM's query builder. */
export class SqlParameters {
  readonly values: Record<string, unknown> = {};
  private next = 0;

  constructor(private readonly prefix = 'f') {}

  add(value: unknown): string {
    const name = `${this.prefix}${this.next++}`;
    this.values[name] = value;
    return `:${name}`;
  }
}

/** A compiled condition, and whether an index finds its rows (so no scan of the company). */
interface Compiled {
  sql: string;
  indexed: boolean;
}

/**
 * Compiles a parsed SCIM filter into a SQL condition over one resource table: indexed columns
 * where there is one, side tables for multi-valued attributes kept there, and JSON functions
 * over the folded search document for the rest. Everything runs in the database, in forms
 * the indexes serve: equalities on one column joined by `or` become one IN list, and
 * conditions on a side table become one uncorrelated semi-join
 * (`id IN (SELECT owner FROM side WHERE companyId = :companyId AND ...)`), which the
 * database evaluates once through the side table's index rather than once per row. The
 * surrounding query must bind `:companyId`.
 */
export class FilterCompiler {
  private aliasCounter = 0;
  /** Comparisons evaluated on every row (see MAX_UNINDEXED_COMPARISONS). */
  private unindexed = 0;
  /** Whether the last compiled filter's rows are found through an index. */
  indexServed = false;
  /** How many comparisons the last compiled filter makes on every row of the company. */
  unindexedComparisons = 0;

  constructor(
    private readonly table: ResourceTable,
    private readonly dialect: SqlDialect,
    readonly parameters: SqlParameters = new SqlParameters(),
  ) {}

  compile(filter: Filter): string {
    this.unindexed = 0;
    const compiled = this.node(filter);
    if (this.unindexed > MAX_UNINDEXED_COMPARISONS) {
      throw invalidFilter(
        `This filter makes ${this.unindexed} comparisons that no index serves, each on every ${this.table.schema.name.toLowerCase()} of the company; at most ${MAX_UNINDEXED_COMPARISONS} are allowed. ${indexedAttributesHint(this.table)}`,
      );
    }
    this.indexServed = compiled.indexed;
    this.unindexedComparisons = this.unindexed;
    return compiled.sql;
  }

  private node(filter: Filter): Compiled {
    switch (filter.kind) {
      case 'and': {
        const left = this.node(filter.left);
        const right = this.node(filter.right);
        return { sql: `(${left.sql} AND ${right.sql})`, indexed: left.indexed || right.indexed };
      }
      case 'or':
        return this.disjunction(flattenOr(filter));
      case 'not':
        return { sql: `(NOT ${this.node(filter.filter).sql})`, indexed: false };
      case 'valuePath':
        return this.valuePath(filter);
      case 'present':
      case 'compare':
        return this.attributeExpression(filter);
    }
  }

  /**
   * Terms joined by `or`: equalities on one indexed column become one IN list; terms on one
   * side table become one semi-join; the rest stay as they are.
   */
  private disjunction(terms: Filter[]): Compiled {
    const byColumn = new Map<string, { value: SqlValue; literals: string[] }>();
    const bySide = new Map<string, { attribute: AttributeDefinition; filters: Filter[] }>();
    const rest: Compiled[] = [];
    for (const term of terms) {
      const column = this.columnEquality(term);
      if (column) {
        const group = byColumn.get(column.key) ?? { value: column.value, literals: [] };
        group.literals.push(column.literal);
        byColumn.set(column.key, group);
        continue;
      }
      const side = this.sideTableTerm(term);
      if (side) {
        const group = bySide.get(side.attribute.name) ?? { attribute: side.attribute, filters: [] };
        group.filters.push(side.element);
        bySide.set(side.attribute.name, group);
        continue;
      }
      rest.push(this.node(term));
    }
    const parts: Compiled[] = [...rest];
    for (const { value, literals } of byColumn.values()) {
      const params = literals.map((literal) => this.parameters.add(literal));
      parts.push({
        sql:
          params.length === 1
            ? `(${value.expr} = ${params[0]})`
            : `(${value.expr} IN (${params.join(', ')}))`,
        indexed: true,
      });
    }
    for (const { attribute, filters } of bySide.values()) {
      const element = filters
        .slice(1)
        .reduce<Filter>((left, right) => ({ kind: 'or', left, right }), filters[0]);
      parts.push(
        this.semiJoin(attribute, (value) => this.elementFilter(element, attribute, value)),
      );
    }
    return {
      sql: parts.length === 1 ? parts[0].sql : `(${parts.map((part) => part.sql).join(' OR ')})`,
      indexed: parts.every((part) => part.indexed),
    };
  }

  /** `attr eq "x"` on an indexed text column: its key, SQL value and (folded) literal. */
  private columnEquality(
    term: Filter,
  ): { key: string; value: SqlValue; literal: string } | undefined {
    if (term.kind !== 'compare' || term.op !== 'eq' || typeof term.value !== 'string')
      return undefined;
    const resolved = resolveAttribute(this.table.schema, term.path);
    if (!resolved) return undefined;
    const key = canonicalKey(resolved.attribute, resolved.subAttribute, resolved.extension);
    const value = this.table.columns[key];
    if (!value || value.kind !== 'string') return undefined;
    return { key, value, literal: value.folded ? foldCase(term.value) : term.value };
  }

  /** A term about one side-table attribute, as a filter on one element of it. */
  private sideTableTerm(
    term: Filter,
  ): { attribute: AttributeDefinition; element: Filter } | undefined {
    if (term.kind !== 'valuePath' && term.kind !== 'compare' && term.kind !== 'present')
      return undefined;
    const resolved = resolveAttribute(this.table.schema, term.path);
    if (!resolved || resolved.extension || !this.table.sideTables[resolved.attribute.name])
      return undefined;
    if (term.kind === 'valuePath') return { attribute: resolved.attribute, element: term.filter };
    if (!resolved.subAttribute) return undefined;
    return {
      attribute: resolved.attribute,
      element: { ...term, path: { attribute: resolved.subAttribute.name } },
    };
  }

  /** The SQL value of a singular attribute path, for sorting; undefined for multi-valued ones. */
  sortValue(path: string): SqlValue | undefined {
    const resolved = this.resolve(path);
    if (!resolved) return undefined;
    const key = canonicalKey(resolved.attribute, resolved.subAttribute, resolved.extension);
    if (this.table.columns[key]) return this.table.columns[key];
    if (resolved.attribute.multiValued) return undefined;
    return this.jsonValue(resolved.extension, resolved.attribute, resolved.subAttribute);
  }

  private resolve(text: string) {
    try {
      return resolveAttribute(this.table.schema, parseAttributePath(text));
    } catch {
      return undefined;
    }
  }

  private attributeExpression(filter: Extract<Filter, { kind: 'present' | 'compare' }>): Compiled {
    const resolved = resolveAttribute(this.table.schema, filter.path);
    if (!resolved)
      throw invalidFilter(
        `"${formatPath(filter.path)}" is not an attribute of ${this.table.schema.name}`,
      );
    const { attribute, subAttribute, extension } = resolved;
    const key = canonicalKey(attribute, subAttribute, extension);

    if (key in this.table.constants) {
      if (filter.kind === 'present') return { sql: '1=1', indexed: false };
      const matches = compareConstant(this.table.constants[key], filter.op, filter.value);
      return { sql: matches ? '1=1' : '1=0', indexed: !matches };
    }
    if (this.table.columns[key]) {
      const value = this.table.columns[key];
      if (
        filter.kind === 'compare' &&
        filter.op === 'sw' &&
        typeof filter.value === 'string' &&
        value.kind === 'string' &&
        value.sortIndexed
      ) {
        return { sql: this.prefixRange(value, filter.value, filter), indexed: true };
      }
      // Equality and ranges on an indexed column are index lookups; co, ew, ne, pr scan.
      const indexed =
        filter.kind === 'compare' &&
        filter.value !== null &&
        ['eq', 'gt', 'ge', 'lt', 'le'].includes(filter.op);
      if (!indexed) this.unindexed += 1;
      return { sql: this.condition(value, filter, key), indexed };
    }
    if (attribute.multiValued) {
      const side = extension ? undefined : this.table.sideTables[attribute.name];
      const sub = subAttribute ?? (attribute.subAttributes ? undefined : attribute);
      if (!sub && filter.kind !== 'present') return this.rejectComplex(attribute);
      if (side && sub) {
        return this.semiJoin(attribute, (element) =>
          this.condition(element(sub.name, sub), filter, `${attribute.name}.${sub.name}`),
        );
      }
      // `emails pr` on a side table, or an attribute of the JSON document: any element.
      return this.exists(attribute, extension, (element) => {
        if (!sub) return filter.kind === 'present' ? '1=1' : this.rejectComplex(attribute);
        const value = element(sub.name === attribute.name ? 'value' : sub.name, sub);
        return this.condition(value, filter, `${attribute.name}.${sub.name}`);
      });
    }
    this.unindexed += 1;
    if (attribute.type === 'complex' && !subAttribute) {
      if (filter.kind !== 'present') return this.rejectComplex(attribute);
      const value = this.jsonValue(extension, attribute, undefined, true);
      return { sql: `(${value.expr} IS NOT NULL)`, indexed: false };
    }
    return {
      sql: this.condition(this.jsonValue(extension, attribute, subAttribute), filter, key),
      indexed: false,
    };
  }

  /**
   * `sw` on a column whose index is in code point order (sortIndexed): the range of keys that
   * begin with the prefix, which the index reads directly (an admin's search by the start of a
   * userName), and the prefix test itself, which alone decides. The range ends below the
   * prefix followed by U+10FFFF, the last code point (and the greatest UTF-8 bytes).
   */
  private prefixRange(
    value: SqlValue,
    prefix: string,
    filter: Extract<Filter, { kind: 'compare' }>,
  ): string {
    const folded = value.folded ? foldCase(prefix) : prefix;
    const ordered = this.dialect.binaryText(value.expr);
    const from = this.parameters.add(folded);
    const below = this.parameters.add(`${folded}\u{10FFFF}`);
    return `(${ordered} >= ${from} AND ${ordered} < ${below} AND ${this.condition(value, filter, 'sw')})`;
  }

  private rejectComplex(attribute: AttributeDefinition): never {
    throw invalidFilter(
      `${attribute.name} is complex: compare one of its sub-attributes (${attribute.name}.value)`,
    );
  }

  private valuePath(filter: Extract<Filter, { kind: 'valuePath' }>): Compiled {
    const resolved = resolveAttribute(this.table.schema, filter.path);
    if (!resolved || !resolved.attribute.multiValued) {
      throw invalidFilter(
        `"${formatPath(filter.path)}" is not a multi-valued attribute of ${this.table.schema.name}`,
      );
    }
    const { attribute, extension } = resolved;
    if (!extension && this.table.sideTables[attribute.name]) {
      return this.semiJoin(attribute, (element) =>
        this.elementFilter(filter.filter, attribute, element),
      );
    }
    return this.exists(attribute, extension, (element) =>
      this.elementFilter(filter.filter, attribute, element),
    );
  }

  /**
   * A condition on the elements of a side table, as an uncorrelated semi-join that the side
   * table's (companyId, column) index serves; the element condition's unindexed comparisons
   * are counted like any other.
   */
  private semiJoin(
    attribute: AttributeDefinition,
    body: (element: (name: string, definition: AttributeDefinition) => SqlValue) => string,
  ): Compiled {
    const side = this.table.sideTables[attribute.name];
    const alias = `e${this.aliasCounter++}`;
    const before = this.unindexed;
    const eqOnly = { value: true };
    const condition = body((name) => {
      const value = side.subAttribute(name, alias);
      if (!value) throw invalidFilter(`${attribute.name}.${name} cannot be filtered`);
      if (!side.indexed.includes(name)) eqOnly.value = false;
      return value;
    });
    // Comparisons inside that no index serves scan the side table's rows of the company.
    const indexed = eqOnly.value && this.unindexed === before;
    if (!indexed && this.unindexed === before) this.unindexed += 1;
    return {
      sql: `(${this.table.alias}.id IN (SELECT ${alias}."${side.owner}" FROM ${side.table} ${alias} WHERE ${alias}."companyId" = :companyId AND ${condition}))`,
      indexed,
    };
  }

  /** A filter inside `[...]`: its paths name sub-attributes of one element. */
  private elementFilter(
    filter: Filter,
    attribute: AttributeDefinition,
    element: (name: string, definition: AttributeDefinition) => SqlValue,
  ): string {
    switch (filter.kind) {
      case 'and':
        return `(${this.elementFilter(filter.left, attribute, element)} AND ${this.elementFilter(filter.right, attribute, element)})`;
      case 'or': {
        // Equalities on one sub-attribute become one IN list (150 group ids: one lookup each).
        const terms = flattenOr(filter);
        const equal = new Map<string, { name: string; literals: CompareValue[] }>();
        const rest: string[] = [];
        for (const term of terms) {
          if (term.kind === 'compare' && term.op === 'eq' && typeof term.value === 'string') {
            const name = (term.path.subAttribute ?? term.path.attribute).toLowerCase();
            const group = equal.get(name) ?? {
              name: term.path.subAttribute ?? term.path.attribute,
              literals: [],
            };
            group.literals.push(term.value);
            equal.set(name, group);
          } else rest.push(this.elementFilter(term, attribute, element));
        }
        for (const { name, literals } of equal.values()) {
          const sub = attribute.subAttributes?.find(
            (candidate) => candidate.name.toLowerCase() === name.toLowerCase(),
          );
          if (!sub) throw invalidFilter(`"${name}" is not a sub-attribute of ${attribute.name}`);
          const value = element(sub.name, sub);
          if (value.kind !== 'string') {
            for (const literal of literals)
              rest.push(
                this.elementFilter(
                  { kind: 'compare', op: 'eq', path: { attribute: name }, value: literal },
                  attribute,
                  element,
                ),
              );
            continue;
          }
          const params = literals.map((literal) =>
            this.parameters.add(value.folded ? foldCase(String(literal)) : String(literal)),
          );
          rest.push(`(${value.expr} IN (${params.join(', ')}))`);
        }
        return rest.length === 1 ? rest[0] : `(${rest.join(' OR ')})`;
      }
      case 'not':
        return `(NOT ${this.elementFilter(filter.filter, attribute, element)})`;
      case 'valuePath':
        throw invalidFilter('Value filters cannot nest');
      default: {
        const name = filter.path.subAttribute ?? filter.path.attribute;
        const sub = attribute.subAttributes?.find(
          (candidate) => candidate.name.toLowerCase() === name.toLowerCase(),
        );
        if (!sub) throw invalidFilter(`"${name}" is not a sub-attribute of ${attribute.name}`);
        if (filter.kind !== 'compare' || filter.op !== 'eq') this.unindexed += 1;
        return this.condition(element(sub.name, sub), filter, `${attribute.name}.${sub.name}`);
      }
    }
  }

  /** Any element of a multi-valued attribute: a walk of the JSON array on every row. */
  private exists(
    attribute: AttributeDefinition,
    extension: string | undefined,
    body: (element: (name: string, definition: AttributeDefinition) => SqlValue) => string,
  ): Compiled {
    const alias = `e${this.aliasCounter++}`;
    const side = extension ? undefined : this.table.sideTables[attribute.name];
    if (side) {
      // `emails pr`: any row of the side table for the resource.
      this.unindexed += 1;
      return {
        sql: `EXISTS (SELECT 1 FROM ${side.table} ${alias} WHERE ${alias}."${side.owner}" = ${this.table.alias}.id AND ${alias}."companyId" = ${this.table.alias}."companyId")`,
        indexed: false,
      };
    }
    // Unpacking a JSON array on every row costs several plain comparisons.
    this.unindexed += 4;
    const keyParam = this.parameters.add(this.dialect.keyParameter(attribute.name));
    const document = extension ? this.extensionDocument(extension) : this.table.searchDocument;
    const condition = body((name, definition) => this.elementValue(alias, name, definition));
    return {
      sql: `EXISTS (SELECT 1 FROM ${this.dialect.jsonElements(document, keyParam, alias)} WHERE ${condition})`,
      indexed: false,
    };
  }

  private elementValue(alias: string, name: string, definition: AttributeDefinition): SqlValue {
    const keyParam = this.parameters.add(this.dialect.keyParameter(name));
    return {
      expr: this.dialect.elementText(alias, keyParam),
      ...valueKind(definition),
      jsonBoolean: true,
    };
  }

  private extensionDocument(_extension: string): string {
    // Extensions have no multi-valued attributes today (the enterprise extension has none).
    throw invalidFilter('Multi-valued extension attributes cannot be filtered');
  }

  private jsonValue(
    extension: string | undefined,
    attribute: AttributeDefinition,
    subAttribute: AttributeDefinition | undefined,
    raw = false,
  ): SqlValue {
    const keys = [
      ...(extension ? [extension] : []),
      attribute.name,
      ...(subAttribute ? [subAttribute.name] : []),
    ];
    const pathParam = this.parameters.add(this.dialect.jsonPath(keys));
    const expr = this.dialect.jsonText(this.table.searchDocument, pathParam);
    return raw
      ? { expr, kind: 'string', folded: false }
      : { expr, ...valueKind(subAttribute ?? attribute), jsonBoolean: true };
  }

  private condition(
    value: SqlValue,
    filter: Extract<Filter, { kind: 'present' | 'compare' }>,
    label: string,
  ): string {
    const { expr } = value;
    if (filter.kind === 'present') {
      return value.kind === 'string'
        ? `(${expr} IS NOT NULL AND ${expr} <> '')`
        : `(${expr} IS NOT NULL)`;
    }
    const { op } = filter;
    if (filter.value === null) {
      // `eq null` is "not present", `ne null` is "present".
      if (op === 'eq') return `(${expr} IS NULL)`;
      if (op === 'ne') return `(${expr} IS NOT NULL)`;
      throw invalidFilter(`${label} ${op} null is not a comparison`);
    }
    switch (value.kind) {
      case 'boolean': {
        if (op !== 'eq' && op !== 'ne')
          throw invalidFilter(`${label} is a boolean: only eq and ne apply`);
        const wanted = toBoolean(filter.value, label);
        const param = this.parameters.add(
          value.jsonBoolean
            ? this.dialect.jsonBooleanText(wanted)
            : this.dialect.booleanParameter(wanted),
        );
        return op === 'eq' ? `(${expr} = ${param})` : `(${expr} IS NULL OR ${expr} <> ${param})`;
      }
      case 'date': {
        if (['co', 'sw', 'ew'].includes(op))
          throw invalidFilter(`${label} is a date: ${op} does not apply`);
        const millis = typeof filter.value === 'string' ? Date.parse(filter.value) : NaN;
        if (Number.isNaN(millis))
          throw invalidFilter(`${label} compares with a date such as "2026-01-01T00:00:00Z"`);
        return this.ordered(expr, op, this.parameters.add(millis), false);
      }
      case 'number': {
        if (typeof filter.value !== 'number')
          throw invalidFilter(`${label} compares with a number`);
        if (['co', 'sw', 'ew'].includes(op))
          throw invalidFilter(`${label} is a number: ${op} does not apply`);
        return this.ordered(expr, op, this.parameters.add(filter.value), false);
      }
      default: {
        const text = String(filter.value);
        const param = this.parameters.add(value.folded ? foldCase(text) : text);
        switch (op) {
          case 'co':
            return this.dialect.contains(expr, param);
          case 'sw':
            return this.dialect.startsWith(expr, param);
          case 'ew':
            return this.dialect.endsWith(expr, param);
          default:
            return this.ordered(expr, op, param, true);
        }
      }
    }
  }

  private ordered(expr: string, op: CompareOperator, param: string, text: boolean): string {
    const left = text && op !== 'eq' && op !== 'ne' ? this.dialect.binaryText(expr) : expr;
    switch (op) {
      case 'eq':
        return `(${left} = ${param})`;
      case 'ne':
        return `(${left} IS NULL OR ${left} <> ${param})`;
      case 'gt':
        return `(${left} > ${param})`;
      case 'ge':
        return `(${left} >= ${param})`;
      case 'lt':
        return `(${left} < ${param})`;
      case 'le':
        return `(${left} <= ${param})`;
      default:
        throw invalidFilter(`${op} does not apply here`);
    }
  }
}

/** "name.familyName"; an extension's attributes under its URN ("urn:...:User:department"). */
function canonicalKey(
  attribute: AttributeDefinition,
  sub?: AttributeDefinition,
  extension?: string,
): string {
  const path = sub ? `${attribute.name}.${sub.name}` : attribute.name;
  return extension ? `${extension}:${path}` : path;
}

function valueKind(definition: AttributeDefinition): Omit<SqlValue, 'expr'> {
  switch (definition.type) {
    case 'boolean':
      return { kind: 'boolean', folded: false };
    case 'dateTime':
      return { kind: 'string', folded: false };
    case 'integer':
    case 'decimal':
      return { kind: 'number', folded: false };
    default:
      return { kind: 'string', folded: !definition.caseExact };
  }
}

function toBoolean(value: CompareValue, label: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value))
    return value.toLowerCase() === 'true';
  throw invalidFilter(`${label} is a boolean: compare with true or false`);
}

function compareConstant(actual: string, op: CompareOperator, expected: CompareValue): boolean {
  const left = foldCase(actual);
  const right = foldCase(String(expected));
  if (op === 'eq') return left === right;
  if (op === 'ne') return left !== right;
  if (op === 'co') return left.includes(right);
  if (op === 'sw') return left.startsWith(right);
  if (op === 'ew') return left.endsWith(right);
  throw invalidFilter(`${op} does not apply to meta.resourceType`);
}

/** The terms of a chain of `or`, in order. */
function flattenOr(filter: Filter): Filter[] {
  return filter.kind === 'or' ? [...flattenOr(filter.left), ...flattenOr(filter.right)] : [filter];
}
