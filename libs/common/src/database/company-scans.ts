import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { sqliteDriverPath } from './database-options';

/**
 * The worker's code: one read-only connection to the SQLite file, answering statements.
 * Kept as text (an `eval` worker) so the same code runs from the sources and from the build.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const statements = new Map();
parentPort.on('message', ({ id, sql, parameters }) => {
  try {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      if (statements.size < 500) statements.set(sql, statement);
    }
    parentPort.postMessage({ id, rows: statement.all(...parameters) });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

/** The answer when a statement ran past DATABASE_STATEMENT_TIMEOUT_MS (its worker is replaced). */
export class ReaderTimeoutError extends Error {
  readonly driverError = { code: '57014' };
}

interface Job {
  sql: string;
  parameters: unknown[];
  resolve: (rows: Record<string, unknown>[]) => void;
  reject: (error: Error) => void;
}

interface Reader {
  /** SQLite: a worker thread with its own read-only connection; PostgreSQL: none (the pool). */
  worker?: Worker;
  busy?: { id: number; job: Job; timer?: NodeJS.Timeout };
}

/**
 * Where the statements that scan a company run (filters and sorts no index serves): few at a
 * time, and fair between companies. Each company has its own queue and the readers take the
 * next job from the companies in turn, so a company that sends ten scans at once waits behind
 * itself, never the others, and the rest of the service keeps its CPU.
 *
 * SQLite: read-only connections in two worker threads. better-sqlite3 runs a statement on the
 * calling thread, so on the main thread one company's 100,000-row scan held every other
 * company's requests and /healthz for its whole duration; here the event loop only waits for
 * the answer. WAL lets the readers run beside the writer; each sees what was committed before
 * it started. A statement past DATABASE_STATEMENT_TIMEOUT_MS ends its worker (SQLite has no
 * other way to stop it here) and answers 503.
 *
 * PostgreSQL: one scan at a time per instance, through the pool (statement_timeout stops it):
 * ten concurrent scans of one company had saturated the database's CPU and every company's
 * lookups with it.
 */
@Injectable()
export class CompanyScans implements OnApplicationShutdown {
  private readers: Reader[] = [];
  private readonly queues = new Map<string, Job[]>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Runs one read statement (the driver's placeholders), queued fairly by company. */
  all(scope: string, sql: string, parameters: unknown[]): Promise<Record<string, unknown>[]> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(scope) ?? [];
      queue.push({ sql, parameters, resolve, reject });
      // Re-inserting moves the company to the back of the rotation.
      this.queues.delete(scope);
      this.queues.set(scope, queue);
      this.dispatch();
    });
  }

  private dispatch(): void {
    if (this.readers.length === 0) this.start();
    for (const reader of this.readers) {
      if (reader.busy) continue;
      const next = this.takeNext();
      if (!next) return;
      this.run(reader, next);
    }
  }

  /** The first job of the company first in the rotation; that company moves to the back. */
  private takeNext(): Job | undefined {
    for (const [scope, queue] of this.queues) {
      const job = queue.shift();
      this.queues.delete(scope);
      if (queue.length > 0) this.queues.set(scope, queue);
      if (job) return job;
    }
    return undefined;
  }

  private run(reader: Reader, job: Job): void {
    const id = this.nextId++;
    const limit = this.config.statementTimeoutMs;
    reader.busy = { id, job };
    if (!reader.worker) {
      // PostgreSQL: the pool runs it; statement_timeout bounds it.
      this.dataSource
        .query(job.sql, job.parameters)
        .then(
          (rows: Record<string, unknown>[]) => job.resolve(rows),
          (error: Error) => job.reject(error),
        )
        .finally(() => {
          reader.busy = undefined;
          this.dispatch();
        });
      return;
    }
    if (limit > 0) {
      reader.busy.timer = setTimeout(() => {
        job.reject(new ReaderTimeoutError('statement timeout'));
        this.replace(reader);
      }, limit);
    }
    reader.worker.postMessage({ id, sql: job.sql, parameters: job.parameters });
  }

  private start(): void {
    if (this.closed) return;
    if (this.config.database.type !== 'sqlite') {
      this.readers.push({});
      return;
    }
    // Two readers: this machine class has two cores, one of them the event loop's.
    for (let i = 0; i < 2; i++) this.readers.push(this.spawn());
  }

  private spawn(): Reader {
    const database = this.config.database as { path: string };
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path: database.path, driverPath: sqliteDriverPath() },
    });
    const reader: Reader = { worker };
    worker.on('message', (message: { id: number; rows?: []; error?: string }) => {
      const busy = reader.busy;
      if (!busy || busy.id !== message.id) return;
      if (busy.timer) clearTimeout(busy.timer);
      reader.busy = undefined;
      if (message.error !== undefined) busy.job.reject(new Error(message.error));
      else busy.job.resolve(message.rows ?? []);
      this.dispatch();
    });
    worker.on('error', (error) => {
      reader.busy?.job.reject(error);
      this.replace(reader);
    });
    worker.unref();
    return reader;
  }

  private replace(reader: Reader): void {
    if (reader.busy?.timer) clearTimeout(reader.busy.timer);
    reader.busy = undefined;
    void reader.worker?.terminate();
    const index = this.readers.indexOf(reader);
    if (index >= 0 && !this.closed) this.readers[index] = this.spawn();
    this.dispatch();
  }

  /** Ends the readers (SQLite: their connections), before the database closes. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.readers.map((reader) => reader.worker?.terminate()));
    this.readers = [];
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
