import { DataSourceOptions } from 'typeorm';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { DatabaseConfig } from '../config/app-config';
import { migrations } from './migrations';
import { TypeOrmLogger } from './typeorm-logger';

/**
 * The DataSource options for either engine. Entities are registered by the context modules
 * (autoLoadEntities); the TypeORM CLI gets the full list from ormconfig.ts.
 */
export function databaseOptions(
  database: DatabaseConfig,
  entities: DataSourceOptions['entities'] = [],
): DataSourceOptions {
  const common = {
    entities,
    migrations,
    migrationsRun: true,
    // Schema changes only ever come from the checked-in migrations.
    synchronize: false,
    migrationsTransactionMode: 'each' as const,
    logging: ['error', 'warn', 'migration'] as ('error' | 'warn' | 'migration')[],
    logger: new TypeOrmLogger(['error', 'warn', 'migration']),
    maxQueryExecutionTime: 1000,
  };
  if (database.type === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: database.url,
      poolSize: database.poolSize,
      extra: {
        // Fail fast rather than queue forever when the pool is exhausted or PG is down.
        connectionTimeoutMillis: 10_000,
        idleTimeoutMillis: 30_000,
        application_name: 'scim-provisioning-service',
        // pg's pipeline mode: a statement goes on the wire without waiting for the answer to
        // the one before, so a BEGIN and the statement that needs it, or a transaction's last
        // statement and its COMMIT, cost one round trip (deferPostgresBegin). Statements
        // awaited one after another behave as without it. It refuses cursors and streams,
        // which this service does not use.
        pipeline: true,
        // No statement may run longer than this (DATABASE_STATEMENT_TIMEOUT_MS): a costly
        // request is cancelled (503) rather than holding a connection other tenants need.
        ...(database.statementTimeoutMs > 0
          ? { statement_timeout: database.statementTimeoutMs }
          : {}),
      },
    };
  }
  mkdirSync(dirname(database.path), { recursive: true, mode: 0o700 });
  return {
    ...common,
    type: 'better-sqlite3',
    driver: sqliteDriver(),
    database: database.path,
    // Prepared statements kept per connection (TypeORM's default is 100, first in first out):
    // filters, IN lists and the provisioning log's batched inserts give many distinct texts,
    // and re-preparing a statement costs more than running it.
    statementCacheSize: 2000,
    // WAL lets readers run beside the one writer. synchronous=FULL syncs the log at every
    // commit, so an acknowledged write survives a power loss or kernel crash too, not only a
    // process crash (NORMAL would only guarantee the latter); it costs ~0.25 ms per commit
    // here.
    prepareDatabase: (db: SqliteDatabase) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      prepareSqliteReads(db);
      // Statistics for the planner, gathered where they are missing or stale (SQLite's
      // recommendation at open; the scheduled job runs PRAGMA optimize again as data grows).
      db.pragma('optimize = 0x10002');
    },
  };
}

/**
 * What every connection to the SQLite file that reads needs: the writer's (prepareDatabase)
 * and the read-only one beside it (sqlite-transactions.ts). The busy timeout waits for a lock
 * instead of failing at once.
 */
export function prepareSqliteReads(db: Pick<SqliteDatabase, 'pragma'>): void {
  db.pragma('busy_timeout = 5000');
  // A statement journal (an INSERT or UPDATE inside a transaction that may have to undo
  // itself alone) and a sort's scratch b-tree live in memory, not in a file made and
  // unlinked under /var/tmp: a SCIM POST made 0.76 such files (strace, issue 16). Neither
  // is part of what a commit makes durable.
  db.pragma('temp_store = MEMORY');
  // Reads through a memory map of the database file (up to 1 GiB of address space), not a
  // pread into SQLite's 2 MiB page cache per page: at 100,000 users a SCIM write touches
  // index pages that cache cannot hold (a deactivating PATCH there ran at 52 to 73% of
  // its rate at 10,000; with the map, at the same rate; bench/RESULTS.md, issue 16).
  // Writes still go through the WAL; what a commit makes durable is unchanged. The cost
  // SQLite documents: an I/O error on a mapped page stops the process instead of failing
  // a statement (the WAL keeps every acknowledged commit).
  db.pragma(`mmap_size = ${1024 ** 3}`);
}

/**
 * better-sqlite3 12 (the line that supports Node 20) derives its objects from node::ObjectWrap,
 * whose destructor aborts the process when a statement is garbage-collected outside a V8
 * context on Node >= 24.19 (nodejs/node#65446): an abort at a random moment in production.
 * better-sqlite3 13 uses Node-API and does not, but needs Node 22. So Node 22 and later load
 * 13 (installed under the alias better-sqlite3-napi, with prebuilt binaries in the package),
 * and Node 20 loads 12. Both have the same API. 13 is an optional dependency and `.npmrc` sets
 * engine-strict, so `npm ci` on Node 20 skips it without an engine warning.
 */
export function sqliteDriver(): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(sqliteDriverPath());
}

/** Where the driver this Node loads lives (the SQLite readers' workers load the same one). */
export function sqliteDriverPath(): string {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) return require.resolve('better-sqlite3');
  try {
    return require.resolve('better-sqlite3-napi');
  } catch {
    // Installed by an older Node (which skips the optional package), run by this one.
    throw new Error(
      `Node ${process.versions.node} loads better-sqlite3 13, which npm skipped when it installed on an older Node: run npm ci again with this Node`,
    );
  }
}
