import { DataSource, QueryRunner } from 'typeorm';

/** How long a statement or transaction waits for its turn before it fails (as busy_timeout). */
const TURN_TIMEOUT_MS = 5000;

type Query = (...args: unknown[]) => Promise<unknown>;

/**
 * One transaction at a time on SQLite, and nothing else on the connection while it is open.
 *
 * TypeORM's better-sqlite3 driver has one connection and one query runner for the whole
 * process, and it nests a transaction that begins while another is open as a SAVEPOINT of
 * it. Two requests whose transactions interleave across `await`s therefore share one
 * transaction: the first one's COMMIT only releases a savepoint, and a ROLLBACK of the second
 * undoes the first one's work after the client was told it succeeded (and its events with it).
 * Likewise a statement run outside any transaction while one is open (a read of another
 * request, a provisioning log batch) runs inside it: it would read uncommitted rows, or be
 * rolled back with it.
 *
 * So everything takes turns: each transaction begun through the DataSource runs on a query
 * runner of its own (same connection, shared statement cache), and the shared runner, which
 * every statement outside a transaction goes through, takes a turn per statement. SQLite has
 * one writer anyway; what this costs is the awaits between a transaction's statements.
 *
 * Who is inside a transaction is told by the runner, not by AsyncLocalStorage: on Node 20 an
 * active AsyncLocalStorage slows every promise of every request. Code inside a transaction must
 * therefore use its `manager` (a transaction begun there with `manager.transaction` is a
 * savepoint of it, as TypeORM intends); a statement that went around it, through the
 * DataSource, would wait for its own transaction, and fails after 5 s instead.
 */
export function serializeSqliteTransactions(dataSource: DataSource): void {
  if (dataSource.options.type !== 'better-sqlite3') return;
  const turns = new Turns();

  const shared = dataSource.createQueryRunner() as QueryRunner & { stmtCache: unknown };
  // The class's own method, looked up at each call (so that a test's wrapper of it still sees
  // every statement).
  const prototype = Object.getPrototypeOf(shared) as { query: Query };
  (shared as { query: unknown }).query = async (...args: unknown[]) => {
    await turns.take();
    try {
      return await prototype.query.apply(shared, args);
    } finally {
      turns.give();
    }
  };

  const RunnerClass = shared.constructor as new (driver: unknown) => typeof shared;
  (dataSource.manager as { transaction: unknown }).transaction = async (...args: unknown[]) => {
    await turns.take();
    try {
      const runner = new RunnerClass(dataSource.driver);
      runner.stmtCache = shared.stmtCache; // prepared statements outlive the transaction
      Object.assign(runner, { manager: dataSource.createEntityManager(runner) });
      return await (runner.manager.transaction as (...a: unknown[]) => Promise<unknown>)(...args);
    } finally {
      turns.give();
    }
  };
}

/** A first-come, first-served lock without a holder's identity. */
class Turns {
  private readonly waiting: (() => void)[] = [];
  private busy = false;

  take(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const granted = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(granted), 1);
        reject(new Error(`no turn on the SQLite connection within ${TURN_TIMEOUT_MS} ms`));
      }, TURN_TIMEOUT_MS);
      this.waiting.push(granted);
    });
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }
}
