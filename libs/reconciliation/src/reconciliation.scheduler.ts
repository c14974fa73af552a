import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { CronJob } from 'cron';
import { DataSource } from 'typeorm';
import { AppConfig, asCompanyId, rawQuery } from '@app/common';
import { ProvisioningLogService } from '@app/sync-status';
import { LeasesService } from './leases.service';
import { ScheduledTimes } from './scheduled-times';
import { ReconciliationService } from './reconciliation.service';

/** How long the provisioning log keeps entries. */
export const PROVISIONING_LOG_RETENTION_DAYS = 30;

/**
 * The scheduled job (RECONCILE_CRON): for every company with SCIM on or managed members left,
 * detect stale memberships (or repair them, where the company opted in to automatic repair),
 * and prune the provisioning log. Each tick runs once per company however many instances share
 * the database: an instance claims (company, tick) with one conditional UPDATE.
 */
@Injectable()
export class ReconciliationScheduler implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ReconciliationScheduler');
  private running: Promise<unknown> = Promise.resolve();
  private readonly scheduledTimes: ScheduledTimes;

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly reconciliation: ReconciliationService,
    private readonly leases: LeasesService,
    private readonly log: ProvisioningLogService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.scheduledTimes = new ScheduledTimes(config.reconcileCron);
  }

  onModuleInit(): void {
    if (this.config.nodeEnv === 'test') return; // tests call fired() and tick() themselves
    const job = new CronJob(this.config.reconcileCron, () => {
      this.running = this.fired(Date.now()).catch((error: Error) =>
        this.logger.error(`tick failed: ${error.message}`),
      );
    });
    this.registry.addCronJob('reconcile', job);
    job.start();
  }

  /**
   * The cron callback ran at `firedAt`: run the tick of the scheduled time it stands for.
   * Claiming by the moment the callback ran (what `job.lastDate()` gives) let two instances
   * that fired a few hundred milliseconds apart both win one scheduled time.
   */
  fired(firedAt: number): Promise<{ companies: number; ran: number }> {
    return this.tick(this.scheduledTimes.at(firedAt));
  }

  /** Stops the schedule and waits for a tick in progress (shutdown calls this first). */
  async stop(): Promise<void> {
    if (this.registry.doesExist('cron', 'reconcile')) this.registry.getCronJob('reconcile').stop();
    await this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** One scheduled tick; `tick` is the scheduled time, the same on every instance. */
  async tick(tick: number): Promise<{ companies: number; ran: number }> {
    const companies = await rawQuery<{ companyId: string }>(
      this.dataSource,
      `SELECT "companyId" FROM "sso_connections" WHERE "scimEnabled" = $1
       UNION SELECT DISTINCT "companyId" FROM "members" WHERE "managed" = $1`,
      [true],
    );
    let ran = 0;
    for (const { companyId: raw } of companies) {
      const companyId = asCompanyId(raw);
      if (!(await this.leases.claimTick(companyId, 'scheduled', tick))) continue;
      const { autoRepair } = await this.reconciliation.settings(companyId);
      await this.reconciliation.run(companyId, 'scheduled', autoRepair ? 'repair' : 'detect', null);
      ran++;
    }
    await this.log.prune(new Date(Date.now() - PROVISIONING_LOG_RETENTION_DAYS * 86_400_000));
    // SQLite keeps no statistics by itself: refresh those that grew stale, so the planner
    // keeps choosing the right index as companies grow (PostgreSQL's autovacuum does this).
    if (this.dataSource.options.type !== 'postgres') await this.dataSource.query('PRAGMA optimize');
    return { companies: companies.length, ran };
  }
}
