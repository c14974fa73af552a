import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '@app/common';

/**
 * The PostgreSQL channel every commit with events notifies. Its payload: the company id,
 * after `deliveries:` when the commit queued webhook deliveries, else after `events:`.
 */
export const EVENTS_CHANNEL = 'scim_events';
export const DELIVERIES_QUEUED = 'deliveries:';

type Listener = () => void;
/** Who listens for what: every commit with events (the long polls), or only those that queued deliveries (the sender). */
export type SignalKind = 'events' | 'deliveries';

/**
 * "An event committed": what wakes the webhook sender and the feeds' long polls right after
 * a commit instead of at their next poll. In-process, the outbox signals after its commit;
 * across instances on PostgreSQL, the outbox's NOTIFY (sent by the committing transaction, so
 * delivered only if it commits) reaches every instance's LISTEN connection.
 */
@Injectable()
export class EventSignals implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EventSignals.name);
  private readonly listeners: Record<SignalKind, Set<Listener>> = {
    events: new Set(),
    deliveries: new Set(),
  };
  private client?: Client;
  private closed = false;
  private reconnect?: NodeJS.Timeout;

  constructor(private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    if (this.config.database.type === 'postgres') await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnect);
    // Long polls answer now rather than hold the shutdown for up to 30 s.
    this.emit(false);
    await this.client?.end().catch(() => undefined);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Events committed (called by the outbox after its commit, and by NOTIFY); `deliveries`:
   * and the commit queued webhook deliveries. Most commits queue none (no endpoint wants
   * their events), and then the sender is not woken for a claim that would find nothing.
   */
  emit(deliveries: boolean): void {
    for (const listener of [...this.listeners.events]) listener();
    if (deliveries) for (const listener of [...this.listeners.deliveries]) listener();
  }

  /** Calls `listener` on every signal of that kind until the returned function is called. */
  subscribe(listener: Listener, kind: SignalKind = 'events'): () => void {
    this.listeners[kind].add(listener);
    return () => this.listeners[kind].delete(listener);
  }

  /** Resolves at the next signal, or after `ms`. */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const timer = setTimeout(done, ms);
      const unsubscribe = this.subscribe(done);
    });
  }

  private async listen(): Promise<void> {
    if (this.closed || this.config.database.type !== 'postgres') return;
    const client = new Client({
      connectionString: this.config.database.url,
      application_name: 'scim-provisioning-service:events',
    });
    const retry = (reason: string) => {
      if (this.closed || this.client !== client) return;
      this.client = undefined;
      this.logger.warn(`event notifications lost (${reason}); reconnecting in 1 s`);
      client.end().catch(() => undefined);
      // Until then the sender and the long polls fall back to their short polls.
      this.reconnect = setTimeout(() => void this.listen(), 1000);
    };
    client.on('notification', (message) =>
      this.emit(message.payload?.startsWith(DELIVERIES_QUEUED) ?? false),
    );
    client.on('error', (error) => retry(error.message));
    client.on('end', () => retry('connection closed'));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      // Anything that committed while we were not listening is found by the next read.
      this.emit(true);
    } catch (error) {
      retry((error as Error).message);
    }
  }
}
