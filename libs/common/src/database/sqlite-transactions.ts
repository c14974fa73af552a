import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, QueryRunner } from 'typeorm';

/**
 * One transaction at a time on SQLite.
 *
 * TypeORM's better-sqlite3 driver has one connection and one query runner for the whole
 * process, and it nests a transaction that begins while another is open as a SAVEPOINT of
 * it. Two requests whose transactions interleave across `await`s therefore share one
 * transaction: the first one's COMMIT only releases a savepoint, and a ROLLBACK of the second
 * undoes the first one's work after the client was told it succeeded (and its events with it).
 *
 * So top-level transactions take turns, and a statement run outside any transaction waits
 * while one is open (it would otherwise become part of it, and be rolled back with it, or read
 * its uncommitted rows). SQLite has one writer anyway; what this costs is the awaits between a
 * transaction's statements. A transaction begun inside another (a caller's `manager`
 * reaching a service that opens its own) stays a savepoint of it, as TypeORM intends.
 */
export function serializeSqliteTransactions(dataSource: DataSource): void {
  if (dataSource.options.type !== 'better-sqlite3') return;
  const inside = new AsyncLocalStorage<true>();
  let held: Promise<void> | undefined;

  const manager = dataSource.manager;
  const transaction = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  (manager as { transaction: unknown }).transaction = async (...args: unknown[]) => {
    if (inside.getStore()) return transaction(...args);
    while (held) await held;
    let release!: () => void;
    held = new Promise<void>((resolve) => (release = resolve));
    try {
      return await inside.run(true, () => transaction(...args));
    } finally {
      held = undefined;
      release();
    }
  };

  const runner: QueryRunner = dataSource.createQueryRunner(); // the one shared runner
  // The class's own method, looked up at each call (so that a test's wrapper of it still sees
  // every statement).
  const prototype = Object.getPrototypeOf(runner) as { query: (...args: unknown[]) => unknown };
  (runner as { query: unknown }).query = async (...args: unknown[]) => {
    if (!inside.getStore()) while (held) await held;
    return prototype.query.apply(runner, args);
  };
}
