import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AppConfig, MetricsService, rawQuery, rawReturning } from '@app/common';
import { EventSignals } from '../event-signals';
import { PlatformEvent, platformEventOf, StoredEventRow } from '../event-types';
import { AttemptResult } from './webhook-sender';
import { signingSecrets, WebhookTransport } from './webhook-transport';

/** Deliveries one instance has in flight at most. */
const MAX_IN_FLIGHT = 16;
/** How often an idle sender looks for due retries and expired claims. */
const POLL_MS = 1000;

interface Claimed {
  endpointId: string;
  eventId: string;
  attempts: number | string;
}

interface DeliveryRow extends StoredEventRow {
  url: string;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: number | string | null;
  enabled: boolean | number;
  status: string;
}

/**
 * The webhook sender: claims the deliveries that are due and sends them, at least once.
 *
 * - Order: for one endpoint, a company's events go one at a time in sequence order. Only the
 *   head of each (endpoint, company) queue is claimable: the oldest pending delivery, which
 *   blocks the ones behind it until it is delivered or given up.
 * - Several instances: a claim is an UPDATE of the delivery row (`claimedBy`, `claimedUntil`),
 *   taken with SKIP LOCKED on PostgreSQL, so each attempt is made by one instance. A claim
 *   outlives the HTTP timeout; one held by an instance that died expires and is taken again
 *   (the receiver may then see the event twice, with the same `webhook-id`).
 * - Speed: woken by the commit signal (in-process, and NOTIFY from other instances), so an
 *   event leaves right after its commit; the 1 s poll finds retries that came due.
 * - Retries follow WEBHOOK_RETRY_SCHEDULE with ±20% jitter (so that endpoints that failed
 *   together are not retried in lockstep); Retry-After on a 429 or 503 is honoured when
 *   later. After the last attempt the delivery is given up and the endpoint marked failing;
 *   its queue waits until an operator re-enables it. 410 Gone disables the endpoint.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryWorker.name);
  private readonly instance = `${process.pid}-${uuidv7().slice(-12)}`;
  private readonly inFlight = new Set<Promise<void>>();
  private filling = false;
  /** The claim round in progress (or the last one, settled). */
  private claiming: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = true;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private readonly deliveries: Counter<'outcome'>;
  private readonly retries: Counter;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly transport: WebhookTransport,
    private readonly signals: EventSignals,
    metrics: MetricsService,
  ) {
    this.deliveries = new Counter({
      name: 'webhook_delivery_attempts_total',
      help: 'Webhook delivery attempts by outcome (delivered, failed, gone, refused)',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    this.retries = new Counter({
      name: 'webhook_delivery_retries_total',
      help: 'Webhook deliveries scheduled for another attempt after a failure',
      registers: [metrics.registry],
    });
    const dataSourceRef = this.dataSource;
    new Gauge({
      name: 'webhook_oldest_undelivered_seconds',
      help: 'Age of the oldest undelivered event per webhook endpoint',
      labelNames: ['endpoint'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        const rows = await rawQuery<{ endpointId: string; oldest: number | string }>(
          dataSourceRef,
          `SELECT "endpointId", MIN("createdAt") AS "oldest" FROM "webhook_deliveries"
            WHERE "state" = 'pending' GROUP BY "endpointId"`,
          [],
        );
        const now = Date.now();
        for (const row of rows) {
          this.set({ endpoint: row.endpointId }, (now - Number(row.oldest)) / 1000);
        }
      },
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.webhooks.deliver) return;
    this.stopped = false;
    this.unsubscribe = this.signals.subscribe(() => this.kick(), 'deliveries');
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  /**
   * Stops claiming and waits for the attempts in flight (bounded by the HTTP timeout), each
   * recorded. GracefulShutdown calls it before the database closes; a claim that outlived it
   * would fail on a closed pool, and an attempt sent but not recorded is sent again later.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.claiming; // a claim round in progress may still start attempts
    await Promise.allSettled([...this.inFlight]);
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  /** Claims and starts what is due, now or as soon as the current claim round ends. */
  kick(): void {
    if (this.stopped) return;
    if (this.filling) {
      this.again = true;
      return;
    }
    this.filling = true;
    this.claiming = this.fill()
      .catch((error: Error) => this.logger.warn(`webhook claim failed: ${error.message}`))
      .finally(() => {
        this.filling = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async fill(): Promise<void> {
    for (;;) {
      this.again = false;
      const free = MAX_IN_FLIGHT - this.inFlight.size;
      if (free <= 0 || this.stopped) return;
      const claimed = await this.claim(free);
      for (const delivery of claimed) {
        const attempt: Promise<void> = this.deliver(delivery)
          .catch((error: Error) =>
            this.logger.warn(`webhook delivery ${delivery.eventId} failed: ${error.message}`),
          )
          .finally(() => {
            this.inFlight.delete(attempt);
            this.kick();
          });
        this.inFlight.add(attempt);
      }
      if (claimed.length < free && !this.again) return;
    }
  }

  private async claim(limit: number): Promise<Claimed[]> {
    const postgres = this.dataSource.options.type === 'postgres';
    const now = Date.now();
    return rawReturning<Claimed>(
      this.dataSource,
      `UPDATE "webhook_deliveries" SET "claimedBy" = $1, "claimedUntil" = $2
        WHERE ("endpointId", "eventId") IN (
          SELECT d."endpointId", d."eventId" FROM "webhook_deliveries" d
            JOIN "webhook_endpoints" w ON w."id" = d."endpointId"
           WHERE d."state" = 'pending' AND d."nextAttemptAt" <= $3
             AND (d."claimedUntil" IS NULL OR d."claimedUntil" < $3)
             AND w."enabled" = $4 AND w."status" = 'active'
             AND NOT EXISTS (
               SELECT 1 FROM "webhook_deliveries" p
                WHERE p."endpointId" = d."endpointId" AND p."companyId" = d."companyId"
                  AND p."state" = 'pending' AND p."sequence" < d."sequence")
           ORDER BY d."nextAttemptAt" LIMIT $5${postgres ? ' FOR UPDATE OF d SKIP LOCKED' : ''})
        RETURNING "endpointId", "eventId", "attempts"`,
      [this.instance, now + this.config.webhooks.timeoutMs + 5000, now, true, limit],
    );
  }

  private async deliver(claimed: Claimed): Promise<void> {
    const [row] = await rawQuery<DeliveryRow>(
      this.dataSource,
      `SELECT w."url", w."secret", w."previousSecret", w."previousSecretExpiresAt", w."enabled",
              w."status", e."id", e."type", e."companyId", e."occurredAt", e."sequence", e."data"
         FROM "webhook_endpoints" w JOIN "events" e ON e."id" = $2
        WHERE w."id" = $1`,
      [claimed.endpointId, claimed.eventId],
    );
    if (!row) return; // the endpoint or the event is gone (deleted, pruned): nothing to send
    const event = platformEventOf(row);
    const startedAt = Date.now();
    const result = await this.transport.sender.send(
      row.url,
      signingSecrets(
        row.secret,
        row.previousSecret,
        row.previousSecretExpiresAt === null ? null : Number(row.previousSecretExpiresAt),
      ),
      event,
    );
    this.deliveries.inc({ outcome: result.outcome });
    await this.record(claimed, event, startedAt, result);
  }

  /** The attempt, and what it means for the delivery and the endpoint, in one transaction. */
  private async record(
    claimed: Claimed,
    event: PlatformEvent,
    startedAt: number,
    result: AttemptResult,
  ): Promise<void> {
    const attempts = Number(claimed.attempts) + 1;
    const schedule = this.config.webhooks.retryScheduleMs;
    const now = Date.now();
    await this.dataSource.transaction(async (manager) => {
      await rawQuery(
        manager,
        `INSERT INTO "webhook_attempts" ("id", "endpointId", "eventId", "eventType", "attempt",
           "startedAt", "durationMs", "statusCode", "outcome", "error", "responseBody")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          uuidv7(),
          claimed.endpointId,
          event.id,
          event.type,
          attempts,
          startedAt,
          result.durationMs,
          result.statusCode,
          result.outcome,
          result.error,
          result.responseBody,
        ],
      );
      const mine = `"endpointId" = $1 AND "eventId" = $2 AND "claimedBy" = $3`;
      const key = [claimed.endpointId, event.id, this.instance];
      if (result.outcome === 'delivered') {
        await rawQuery(
          manager,
          `UPDATE "webhook_deliveries" SET "state" = 'delivered', "attempts" = $4,
                  "finishedAt" = $5, "claimedBy" = NULL, "claimedUntil" = NULL WHERE ${mine}`,
          [...key, attempts, now],
        );
        return;
      }
      if (result.outcome === 'gone') {
        // 410: the receiver says the endpoint is gone for good. Its queue waits (this event
        // included) in case an operator enables it again.
        await rawQuery(
          manager,
          `UPDATE "webhook_deliveries" SET "attempts" = $4, "claimedBy" = NULL,
                  "claimedUntil" = NULL WHERE ${mine}`,
          [...key, attempts],
        );
        await this.markEndpoint(
          manager,
          claimed.endpointId,
          'disabled',
          'the endpoint answered 410 Gone',
        );
        return;
      }
      if (attempts >= schedule.length) {
        await rawQuery(
          manager,
          `UPDATE "webhook_deliveries" SET "state" = 'failed', "attempts" = $4, "finishedAt" = $5,
                  "claimedBy" = NULL, "claimedUntil" = NULL WHERE ${mine}`,
          [...key, attempts, now],
        );
        await this.markEndpoint(
          manager,
          claimed.endpointId,
          'failing',
          `gave up on event ${event.id} after ${attempts} attempts (last: ${result.error ?? 'no answer'})`.slice(
            0,
            255,
          ),
        );
        return;
      }
      const delay = Math.max(jittered(schedule[attempts]), result.retryAfterMs ?? 0);
      this.retries.inc();
      await rawQuery(
        manager,
        `UPDATE "webhook_deliveries" SET "attempts" = $4, "nextAttemptAt" = $5, "claimedBy" = NULL,
                "claimedUntil" = NULL WHERE ${mine}`,
        [...key, attempts, now + delay],
      );
    });
  }

  private async markEndpoint(
    manager: import('typeorm').EntityManager,
    endpointId: string,
    status: 'failing' | 'disabled',
    reason: string,
  ): Promise<void> {
    await rawQuery(
      manager,
      `UPDATE "webhook_endpoints" SET "status" = $2, "statusReason" = $3, "updatedAt" = $4
              ${status === 'disabled' ? ', "enabled" = $5' : ''}
        WHERE "id" = $1`,
      status === 'disabled'
        ? [endpointId, status, reason, Date.now(), false]
        : [endpointId, status, reason, Date.now()],
    );
    this.logger.warn(`webhook endpoint ${endpointId} is ${status}: ${reason}`);
  }
}

/** ±20%, so that deliveries that failed together are not all retried at the same instant. */
function jittered(ms: number): number {
  return ms === 0 ? 0 : Math.round(ms * (0.8 + Math.random() * 0.4));
}
