import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '@app/common';

/**
 * The PostgreSQL channel on which an instance tells the others that events committed. Its
 * payload: `deliveries:` when a commit since the last notification queued webhook
 * deliveries, else `events:`.
 */
export const EVENTS_CHANNEL = 'scim_events';
export const DELIVERIES_QUEUED = 'deliveries:';

type Listener = () => void;
/** Who listens for what: every commit with events (the long polls), or only those that queued deliveries (the sender). */
export type SignalKind = 'events' | 'deliveries';

/**
 * "An event committed": what wakes the webhook sender and the feeds' long polls right after
 * a commit instead of at their next poll. In-process, the outbox signals after its commit;
 * across instances on PostgreSQL, a NOTIFY that this instance sends after the commit, on its
 * own listening connection, reaches every other instance's.
 *
 * After the commit, not in it: PostgreSQL serializes the commits of every transaction that
 * notifies (PreCommit_Notify holds a lock on the database's notification queue from before
 * the commit record until the transaction's end, its WAL flush included), so a NOTIFY in each
 * write made every write of every company on the database wait for the others' flushes:
 * pgbench on this machine, 8 clients, an INSERT with and without a NOTIFY in its
 * transaction: 3,600 to 3,900 against 7,100 to 7,700 commits per second (issue 16, round 5).
 * Sent after it, on one connection, at most one at a time, with whatever committed while the
 * last was on its way: one notifying transaction per flush, not one per write.
 *
 * What that costs: a crash between a commit and its notification leaves the other instances
 * to find the events at their next poll (the sender's is 1 s), as they do while a listening
 * connection reconnects; nothing is lost, the events are committed.
 */
@Injectable()
export class EventSignals implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EventSignals.name);
  private readonly listeners: Record<SignalKind, Set<Listener>> = {
    events: new Set(),
    deliveries: new Set(),
  };
  private client?: Client;
  /** Whether `client` is listening (connected, LISTEN answered): it can notify too. */
  private listening = false;
  private closed = false;
  private reconnect?: NodeJS.Timeout;
  /** Commits not yet told to the other instances (`deliveries`: one queued deliveries). */
  private untold?: { deliveries: boolean };
  private telling = false;

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

  /**
   * Events committed here (the outbox, after its commit): this instance's listeners now, and
   * the other instances' by a NOTIFY (on PostgreSQL).
   */
  committed(deliveries: boolean): void {
    this.emit(deliveries);
    this.tell(deliveries);
  }

  /** Tells the other instances (PostgreSQL), with whatever else is still untold. */
  private tell(deliveries: boolean): void {
    if (this.config.database.type !== 'postgres') return;
    this.untold = { deliveries: deliveries || (this.untold?.deliveries ?? false) };
    if (!this.telling) void this.tellOthers();
  }

  /** Sends the untold commits' NOTIFY, one at a time, until none is left untold. */
  private async tellOthers(): Promise<void> {
    this.telling = true;
    try {
      while (this.untold && this.client && this.listening && !this.closed) {
        const { deliveries } = this.untold;
        this.untold = undefined;
        await this.client.query('SELECT pg_notify($1, $2)', [
          EVENTS_CHANNEL,
          deliveries ? DELIVERIES_QUEUED : 'events:',
        ]);
      }
    } catch {
      // The connection failed: its error handler reconnects, and the other instances poll
      // meanwhile; once listening again, this instance notifies them (listen()).
    } finally {
      this.telling = false;
    }
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
      this.listening = false;
      this.logger.warn(`event notifications lost (${reason}); reconnecting in 1 s`);
      client.end().catch(() => undefined);
      // Until then the sender and the long polls fall back to their short polls.
      this.reconnect = setTimeout(() => void this.listen(), 1000);
    };
    client.on('notification', (message) => {
      // Its own NOTIFY comes back to the connection that sent it: this instance's listeners
      // were woken at the commit.
      if (message.processId === (client as Client & { processID?: number }).processID) return;
      this.emit(message.payload?.startsWith(DELIVERIES_QUEUED) ?? false);
    });
    client.on('error', (error) => retry(error.message));
    client.on('end', () => retry('connection closed'));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      this.listening = true;
      // Anything that committed while we were not listening is found by the next read, here
      // and, told now, on the other instances (this one's commits meanwhile went untold).
      this.emit(true);
      this.tell(true);
    } catch (error) {
      retry((error as Error).message);
    }
  }
}
