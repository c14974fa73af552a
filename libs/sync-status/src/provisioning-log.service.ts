import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CompanyId, rawQuery } from '@app/common';
import { ProvisioningEventEntity } from './provisioning-event.entity';

const FLUSH_EVERY_MS = 250;
const FLUSH_AT = 200;

const COLUMNS = [
  'id',
  'companyId',
  'tokenId',
  'method',
  'resourceType',
  'resourceId',
  'outcome',
  'status',
  'errorDetail',
  'requestId',
  'durationMs',
  'operation',
  'subject',
  'subjectKey',
  'createdAt',
] as const satisfies readonly (keyof ProvisioningEventEntity)[];
const COLUMN_LIST = COLUMNS.map((column) => `"${column}"`).join(', ');
/** The rows of `$1` (a JSON array of objects keyed by column) as the table's own row type. */
const INSERT_BATCH_POSTGRES = `INSERT INTO "provisioning_events" (${COLUMN_LIST})
  SELECT ${COLUMN_LIST} FROM json_populate_recordset(NULL::"provisioning_events", $1::json)`;
/** The same with SQLite's JSON1 (json_extract keeps numbers numbers and null NULL). */
const INSERT_BATCH_SQLITE = `INSERT INTO "provisioning_events" (${COLUMN_LIST})
  SELECT ${COLUMNS.map((column) => `json_extract(value, '$.${column}')`).join(', ')} FROM json_each($1)`;

/**
 * Text as both databases store it: a lone surrogate (legal in a JSON string, RFC 8259 §8.2;
 * request bodies are made well formed when parsed, but a URL or a header is not) and NUL
 * become U+FFFD. PostgreSQL refuses either inside the batch's JSON parameter,
 * and one refused entry was its whole batch, every company's requests of that quarter second.
 */
function storableText(value: string): string {
  return value.toWellFormed().replaceAll('\u0000', '\ufffd');
}

/**
 * Records SCIM requests. Entries are buffered and written in batches, off the request path;
 * a flush also runs at shutdown. Losing a quarter second of log on a crash is acceptable: the
 * log describes requests, it does not hold anything a client was promised.
 */
@Injectable()
export class ProvisioningLogService implements OnApplicationShutdown {
  private readonly logger = new Logger('ProvisioningLog');
  private buffer: ProvisioningEventEntity[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  record(event: ProvisioningEventEntity): void {
    this.buffer.push(event);
    if (this.buffer.length >= FLUSH_AT) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  /** Writes what is buffered; resolves when it is in the database. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0 || !this.dataSource.isInitialized) return;
      try {
        await this.insert(batch);
      } catch (error) {
        this.logger.warn(
          `could not write ${batch.length} provisioning log entries: ${(error as Error).message}`,
        );
      }
    });
    return this.flushing;
  }

  /**
   * One INSERT of the whole batch in plain SQL (TypeORM's per-entity insert machinery cost more
   * than the write itself), its rows as one JSON parameter: the statement's text is the same
   * for every batch size, so it is prepared once (a named statement per connection on
   * PostgreSQL) instead of once per size with up to 3,000 placeholders, and takes one slot of
   * rawQuery's named statements, not one per size.
   */
  private async insert(batch: ProvisioningEventEntity[]): Promise<void> {
    const rows = batch.map((event) => {
      const row: Record<string, unknown> = { ...event, createdAt: event.createdAt.getTime() };
      for (const [column, value] of Object.entries(row)) {
        if (typeof value === 'string') row[column] = storableText(value);
      }
      return row;
    });
    const type = this.dataSource.options.type;
    await rawQuery(
      this.dataSource,
      type === 'postgres' ? INSERT_BATCH_POSTGRES : INSERT_BATCH_SQLITE,
      [JSON.stringify(rows)],
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  /** Deletes entries older than the retention; returns how many went. */
  async prune(olderThan: Date): Promise<number> {
    // Epoch milliseconds, as the column holds them (a Date inside a find operator would not
    // pass through the column's transformer).
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(ProvisioningEventEntity)
      .where('createdAt < :cutoff', { cutoff: olderThan.getTime() })
      .execute();
    return result.affected ?? 0;
  }

  latest(
    companyId: CompanyId,
    where: 'success' | 'problem' | 'write-problem',
  ): Promise<ProvisioningEventEntity | null> {
    const query = this.dataSource
      .getRepository(ProvisioningEventEntity)
      .createQueryBuilder('e')
      .where('e.companyId = :companyId', { companyId })
      .orderBy('e.createdAt', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(1);
    // Warnings are extra entries beside a successful request: never the request's outcome.
    if (where === 'success') query.andWhere("e.outcome = 'success'");
    else if (where === 'problem') query.andWhere("e.outcome IN ('refused', 'failed')");
    else
      query.andWhere("e.method IN ('POST', 'PUT', 'PATCH', 'DELETE') AND e.outcome <> 'warning'");
    return query.getOne();
  }

  /** How many warnings since `since`, and the latest one. */
  async warnings(
    companyId: CompanyId,
    since: Date,
  ): Promise<{ count: number; latest: ProvisioningEventEntity | null }> {
    const query = () =>
      this.dataSource
        .getRepository(ProvisioningEventEntity)
        .createQueryBuilder('e')
        .where("e.companyId = :companyId AND e.outcome = 'warning' AND e.createdAt >= :since", {
          companyId,
          since: since.getTime(),
        });
    const [count, latest] = await Promise.all([
      query().getCount(),
      query().orderBy('e.createdAt', 'DESC').addOrderBy('e.id', 'DESC').limit(1).getOne(),
    ]);
    return { count, latest };
  }

  recent(companyId: CompanyId, limit: number): Promise<ProvisioningEventEntity[]> {
    return this.dataSource
      .getRepository(ProvisioningEventEntity)
      .find({ where: { companyId }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
  }
}
