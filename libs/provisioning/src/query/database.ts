import { DataSource } from 'typeorm';
import { postgresDialect, SqlDialect, sqliteDialect } from './sql-dialect';

export function dialectOf(dataSource: DataSource): SqlDialect {
  return dataSource.options.type === 'postgres' ? postgresDialect : sqliteDialect;
}

/** A unique-index violation on either engine (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE). */
export function isUniqueViolation(error: unknown): boolean {
  const cause = (error as { driverError?: { code?: string }; code?: string }) ?? {};
  const code = cause.driverError?.code ?? cause.code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
