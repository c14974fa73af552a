/**
 * The few places where SQLite and PostgreSQL SQL differ for SCIM queries. Everything else
 * (the filter grammar, folding, paging) is one code path, so both engines give one answer.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Text of a JSON value at a path of object keys inside a JSON text column; NULL if absent. */
  jsonText(documentExpr: string, pathParam: string): string;
  /** The path parameter value for jsonText. */
  jsonPath(keys: string[]): string | string[];
  /** A FROM clause over the elements of a JSON array at a key; the element is `<alias>.value`. */
  jsonElements(documentExpr: string, keyParam: string, alias: string): string;
  /** Text of a key of a JSON element produced by jsonElements. */
  elementText(alias: string, keyParam: string): string;
  /** The parameter value naming an array key (jsonElements) or an element key (elementText). */
  keyParameter(key: string): string;
  /** How a boolean parameter is bound for a real boolean column. */
  booleanParameter(value: boolean): boolean | number;
  /** How a JSON boolean reads back through jsonText / elementText. */
  jsonBooleanText(value: boolean): string | number;
  contains(expr: string, param: string): string;
  startsWith(expr: string, param: string): string;
  endsWith(expr: string, param: string): string;
  /** Byte-order collation for ordering comparisons and ORDER BY on text. */
  binaryText(expr: string): string;
  /**
   * The same ordering, kept out of index choice (the rows are found by another index), of a
   * text column (the default) or a number or date column.
   */
  orderOnly(expr: string, kind?: 'string' | 'boolean' | 'date' | 'number'): string;
}

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  jsonText: (documentExpr, pathParam) => `json_extract(${documentExpr}, ${pathParam})`,
  jsonPath: (keys) => `$${keys.map((key) => `."${key.replace(/"/g, '')}"`).join('')}`,
  jsonElements: (documentExpr, keyParam, alias) =>
    `json_each(${documentExpr}, ${keyParam}) AS ${alias}`,
  elementText: (alias, keyParam) => `json_extract(${alias}.value, ${keyParam})`,
  keyParameter: (key) => `$."${key.replace(/"/g, '')}"`,
  booleanParameter: (value) => (value ? 1 : 0),
  jsonBooleanText: (value) => (value ? 1 : 0),
  contains: (expr, param) => `instr(${expr}, ${param}) > 0`,
  startsWith: (expr, param) => `substr(${expr}, 1, length(${param})) = ${param}`,
  endsWith: (expr, param) =>
    `(length(${param}) = 0 OR substr(${expr}, -length(${param})) = ${param})`,
  // SQLite compares text by bytes (BINARY) already.
  binaryText: (expr) => expr,
  // Unary + makes the term an expression no index provides: the documented way to steer
  // SQLite's planner (its optimizer overview, "Disqualifying WHERE Clause Terms").
  orderOnly: (expr) => `+${expr}`,
};

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  jsonText: (documentExpr, pathParam) =>
    `(CAST(${documentExpr} AS jsonb) #>> CAST(${pathParam} AS text[]))`,
  jsonPath: (keys) => keys,
  jsonElements: (documentExpr, keyParam, alias) =>
    `jsonb_array_elements(CASE WHEN jsonb_typeof(CAST(${documentExpr} AS jsonb) -> CAST(${keyParam} AS text)) = 'array' THEN CAST(${documentExpr} AS jsonb) -> CAST(${keyParam} AS text) ELSE '[]'::jsonb END) AS ${alias}(value)`,
  elementText: (alias, keyParam) => `(${alias}.value ->> CAST(${keyParam} AS text))`,
  keyParameter: (key) => key,
  booleanParameter: (value) => value,
  jsonBooleanText: (value) => (value ? 'true' : 'false'),
  contains: (expr, param) => `strpos(${expr}, ${param}) > 0`,
  startsWith: (expr, param) => `left(${expr}, length(${param})) = ${param}`,
  endsWith: (expr, param) => `right(${expr}, length(${param})) = ${param}`,
  // The database's collation may be locale-aware; "C" orders by code point like SQLite.
  binaryText: (expr) => `(${expr} COLLATE "C")`,
  // An expression rather than the column, so no index offers the order. Without current
  // statistics (a company just imported, before autovacuum's ANALYZE) the planner walked the
  // whole (companyId, id) index filtering on `meta.lastModified gt` to avoid sorting ten rows.
  orderOnly: (expr, kind = 'string') => (kind === 'string' ? `(${expr} || '')` : `(${expr} + 0)`),
};
