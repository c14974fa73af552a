import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '@app/common';

/** The PostgreSQL channel every commit with events notifies (its payload: the company id). */
export const EVENTS_CHANNEL = 'scim_events';

type Listener = () => void;

/**
 * "An event committed": what wakes the webhook sender and the feeds' long polls right after
 * a commit instead of at their next poll. In-process, the outbox signals after its commit;
 * across instances on PostgreSQL, the outbox's NOTIFY (sent by the committing transaction, so
 * delivered only if it commits) reaches every instance's LISTEN connection.
 */
@Injectable()
export class EventSignals implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EventSignals.name);
  private readonly listeners = new Set<Listener>();
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
    this.emit();
    await this.client?.end().catch(() => undefined);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Wakes everyone waiting (called by the outbox after its commit, and by NOTIFY). */
  emit(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` on every signal until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
    client.on('notification', () => this.emit());
    client.on('error', (error) => retry(error.message));
    client.on('end', () => retry('connection closed'));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      // Anything that committed while we were not listening is found by the next read.
      this.emit();
    } catch (error) {
      retry((error as Error).message);
    }
  }
}
