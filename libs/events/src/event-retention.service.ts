import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, rawReturning } from '@app/common';

/** Rows deleted per statement: short locks, however much is due. */
const PRUNE_BATCH = 5000;

/**
 * Keeps EVENT_RETENTION_DAYS of events (their queued deliveries go with them, by foreign
 * key) and of delivery attempts. Every instance may run it: a delete of what is already
 * deleted deletes nothing.
 */
@Injectable()
export class EventRetentionService {
  private readonly logger = new Logger(EventRetentionService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  @Cron('0 7 * * * *', { name: 'event-retention' })
  async scheduled(): Promise<void> {
    try {
      await this.prune();
    } catch (error) {
      this.logger.warn(`event retention failed: ${(error as Error).message}`);
    }
  }

  /** Deletes what is older than the retention; answers how many events went. */
  async prune(now = Date.now()): Promise<number> {
    const cutoff = now - this.config.eventRetentionDays * 86_400_000;
    let events = 0;
    for (;;) {
      const deleted = await this.batch(
        `DELETE FROM "events" WHERE "position" IN
           (SELECT "position" FROM "events" WHERE "occurredAt" < $1 ORDER BY "position" LIMIT $2)
         RETURNING "position"`,
        cutoff,
      );
      events += deleted;
      if (deleted < PRUNE_BATCH) break;
    }
    for (;;) {
      const deleted = await this.batch(
        `DELETE FROM "webhook_attempts" WHERE "id" IN
           (SELECT "id" FROM "webhook_attempts" WHERE "startedAt" < $1 LIMIT $2)
         RETURNING "id"`,
        cutoff,
      );
      if (deleted < PRUNE_BATCH) break;
    }
    if (events > 0)
      this.logger.log(`pruned ${events} events older than ${this.config.eventRetentionDays} days`);
    return events;
  }

  private async batch(sql: string, cutoff: number): Promise<number> {
    return (await rawReturning(this.dataSource, sql, [cutoff, PRUNE_BATCH])).length;
  }
}
