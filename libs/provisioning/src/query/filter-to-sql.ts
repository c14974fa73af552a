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
}

/** A multi-valued attribute held in a side table rather than in the JSON document. */
export interface SideTable {
  /** FROM ... WHERE <join to the resource row>, with `alias` for the element rows. */
  from(resourceAlias: string, alias: string): string;
  /** The SQL of each filterable sub-attribute, for element rows under `alias`. */
  subAttribute(name: string, alias: string): SqlValue | undefined;
}

/** How one resource type is laid out in SQL. */
export interface ResourceTable {
  schema: ResourceSchema;
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

/**
 * Compiles a parsed SCIM filter into a SQL condition over one resource table: indexed columns
 * where there is one, side tables for multi-valued attributes kept there, and JSON functions
 * over the folded search document for the rest. Everything runs in the database.
 */
export class FilterCompiler {
  private aliasCounter = 0;

  constructor(
    private readonly table: ResourceTable,
    private readonly dialect: SqlDialect,
    readonly parameters: SqlParameters = new SqlParameters(),
  ) {}

  compile(filter: Filter): string {
    switch (filter.kind) {
      case 'and':
        return `(${this.compile(filter.left)} AND ${this.compile(filter.right)})`;
      case 'or':
        return `(${this.compile(filter.left)} OR ${this.compile(filter.right)})`;
      case 'not':
        return `(NOT ${this.compile(filter.filter)})`;
      case 'valuePath':
        return this.valuePath(filter);
      case 'present':
      case 'compare':
        return this.attributeExpression(filter);
    }
  }

  /** The SQL value of a singular attribute path, for sorting; undefined for multi-valued ones. */
  sortValue(path: string): SqlValue | undefined {
    const resolved = this.resolve(path);
    if (!resolved) return undefined;
    const key = canonicalKey(resolved.attribute, resolved.subAttribute);
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

  private attributeExpression(filter: Extract<Filter, { kind: 'present' | 'compare' }>): string {
    const resolved = resolveAttribute(this.table.schema, filter.path);
    if (!resolved)
      throw invalidFilter(
        `"${formatPath(filter.path)}" is not an attribute of ${this.table.schema.name}`,
      );
    const { attribute, subAttribute, extension } = resolved;
    const key = canonicalKey(attribute, subAttribute);

    if (key in this.table.constants) {
      if (filter.kind === 'present') return '1=1';
      const matches = compareConstant(this.table.constants[key], filter.op, filter.value);
      return matches ? '1=1' : '1=0';
    }
    if (this.table.columns[key]) return this.condition(this.table.columns[key], filter, key);
    if (attribute.multiValued) {
      // `emails.value eq "x"` or `emails pr`: true when any element satisfies it.
      const sub = subAttribute ?? (attribute.subAttributes ? undefined : attribute);
      return this.exists(attribute, extension, (element) => {
        if (!sub) return filter.kind === 'present' ? '1=1' : this.rejectComplex(attribute);
        const value = element(sub.name === attribute.name ? 'value' : sub.name, sub);
        return this.condition(value, filter, `${attribute.name}.${sub.name}`);
      });
    }
    if (attribute.type === 'complex' && !subAttribute) {
      if (filter.kind !== 'present') return this.rejectComplex(attribute);
      const value = this.jsonValue(extension, attribute, undefined, true);
      return `(${value.expr} IS NOT NULL)`;
    }
    return this.condition(this.jsonValue(extension, attribute, subAttribute), filter, key);
  }

  private rejectComplex(attribute: AttributeDefinition): never {
    throw invalidFilter(
      `${attribute.name} is complex: compare one of its sub-attributes (${attribute.name}.value)`,
    );
  }

  private valuePath(filter: Extract<Filter, { kind: 'valuePath' }>): string {
    const resolved = resolveAttribute(this.table.schema, filter.path);
    if (!resolved || !resolved.attribute.multiValued) {
      throw invalidFilter(
        `"${formatPath(filter.path)}" is not a multi-valued attribute of ${this.table.schema.name}`,
      );
    }
    const { attribute, extension } = resolved;
    return this.exists(attribute, extension, (element) =>
      this.elementFilter(filter.filter, attribute, element),
    );
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
      case 'or':
        return `(${this.elementFilter(filter.left, attribute, element)} OR ${this.elementFilter(filter.right, attribute, element)})`;
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
        return this.condition(element(sub.name, sub), filter, `${attribute.name}.${sub.name}`);
      }
    }
  }

  private exists(
    attribute: AttributeDefinition,
    extension: string | undefined,
    body: (element: (name: string, definition: AttributeDefinition) => SqlValue) => string,
  ): string {
    const alias = `e${this.aliasCounter++}`;
    const side = extension ? undefined : this.table.sideTables[attribute.name];
    if (side) {
      const condition = body((name) => {
        const value = side.subAttribute(name, alias);
        if (!value) throw invalidFilter(`${attribute.name}.${name} cannot be filtered`);
        return value;
      });
      return `EXISTS (SELECT 1 FROM ${side.from(this.table.alias, alias)} AND ${condition})`;
    }
    const keyParam = this.parameters.add(this.dialect.keyParameter(attribute.name));
    const document = extension ? this.extensionDocument(extension) : this.table.searchDocument;
    const condition = body((name, definition) => this.elementValue(alias, name, definition));
    return `EXISTS (SELECT 1 FROM ${this.dialect.jsonElements(document, keyParam, alias)} WHERE ${condition})`;
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

function canonicalKey(attribute: AttributeDefinition, sub?: AttributeDefinition): string {
  return sub ? `${attribute.name}.${sub.name}` : attribute.name;
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
