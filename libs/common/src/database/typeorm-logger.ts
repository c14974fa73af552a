import { Logger as NestLogger } from '@nestjs/common';
import { AbstractLogger, LogLevel, LogMessage, QueryRunner } from 'typeorm';

/**
 * TypeORM's messages through Nest's logger, without query parameters: they hold people's
 * emails and token hashes, which have no place in a log. Unique violations are expected
 * (they become 409 uniqueness) and are not logged as errors.
 */
/** A statement's SQL: rawQuery sends PostgreSQL a named statement as `{ name, text }`. */
const sqlText = (query: string | { text: string }) =>
  typeof query === 'string' ? query : query.text;

export class TypeOrmLogger extends AbstractLogger {
  private readonly logger = new NestLogger('Database');

  override logQueryError(
    error: string | Error,
    query: string | { text: string },
    _parameters?: unknown[],
    _runner?: QueryRunner,
  ): void {
    const code = (error as { code?: string }).code;
    if (
      code === '23505' ||
      code === 'SQLITE_CONSTRAINT_UNIQUE' ||
      code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
    )
      return;
    const message = error instanceof Error ? error.message : error;
    this.logger.error(`query failed: ${message} [${sqlText(query).slice(0, 200)}]`);
  }

  override logQuerySlow(time: number, query: string | { text: string }): void {
    this.logger.warn(`slow query (${time} ms): ${sqlText(query).slice(0, 200)}`);
  }

  protected writeLog(
    level: LogLevel,
    message: LogMessage | string | number | (LogMessage | string | number)[],
  ): void {
    for (const entry of Array.isArray(message) ? message : [message]) {
      const body = typeof entry === 'object' ? entry.message : entry;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      if (level === 'warn') this.logger.warn(text);
      else if (level === 'error') this.logger.error(text);
      else if (level === 'migration' || level === 'info' || level === 'log') this.logger.log(text);
    }
  }
}
