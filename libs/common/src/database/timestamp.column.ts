import { Column, ColumnOptions, ValueTransformer } from 'typeorm';

/**
 * Instants are stored as epoch milliseconds in a BIGINT column on both SQLite and PostgreSQL.
 * One representation on both engines means the same migrations, millisecond precision (SCIM
 * `meta.lastModified` and ETags), no time-zone conversion by a driver, and SCIM date filters
 * that compile to plain integer comparisons that use the index.
 */
const epochMillis: ValueTransformer = {
  // Find operators such as IsNull() pass through untouched.
  to: (value: unknown) => (value instanceof Date ? value.getTime() : value),
  from: (value: string | number | null) => (value === null ? null : new Date(Number(value))),
};

export function TimestampColumn(options: Omit<ColumnOptions, 'type' | 'transformer'> = {}) {
  return Column({ ...options, type: 'bigint', transformer: epochMillis });
}
