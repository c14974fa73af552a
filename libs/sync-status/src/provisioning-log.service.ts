import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CompanyId, rawQuery, sqlPlaceholders } from '@app/common';
import { ProvisioningEventEntity } from './provisioning-event.entity';

const FLUSH_EVERY_MS = 250;
const FLUSH_AT = 200;

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
   * One multi-row INSERT in plain SQL: the log is written at the rate of SCIM requests, and
   * TypeORM's per-entity insert machinery cost more than the write itself.
   */
  private async insert(batch: ProvisioningEventEntity[]): Promise<void> {
    const columns = [
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
    ] as const;
    const rows = batch.map(
      (_, row) => `(${sqlPlaceholders(columns.length, row * columns.length + 1)})`,
    );
    await rawQuery(
      this.dataSource,
      `INSERT INTO "provisioning_events" (${columns.map((column) => `"${column}"`).join(', ')}) VALUES ${rows.join(', ')}`,
      batch.flatMap((event) => columns.map((column) => event[column])),
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
