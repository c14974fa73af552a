import { DataSource, QueryRunner } from 'typeorm';
import { prepareSqliteReads } from './database-options';

/** How long a statement or transaction waits for its turn before it fails (as busy_timeout). */
const TURN_TIMEOUT_MS = 5000;

/**
 * At most this many transactions share one commit: it bounds how long the first of them
 * waits for its answer behind the others (each is about a millisecond of work), and how long
 * a statement queued behind them waits.
 */
export const COMMIT_GROUP_LIMIT = 8;

type Query = (...args: unknown[]) => Promise<unknown>;
type Turn = 'statement' | 'transaction';
type Runner = QueryRunner & {
  stmtCache: unknown;
  getStmt(sql: string): Promise<{ readonly: boolean }>;
};
interface SqliteConnection {
  name: string;
  inTransaction: boolean;
  pragma(source: string): unknown;
  close(): void;
}
interface SqliteDriver {
  sqlite: new (path: string, options: object) => SqliteConnection;
  databaseConnection: SqliteConnection;
}

/** A statement that only reads: a SELECT, or a WITH whose statement is one (sqlite3_stmt_readonly). */
const READ = /^\s*(SELECT|WITH)\b/i;

/**
 * The shared runner's reads go to a second connection to the same file, read only: under WAL
 * it reads what was last committed, beside the writer, without waiting for a turn. That is
 * what a read outside a transaction saw when it waited for the open transaction to end, and
 * without those reads between them, transactions queue one behind another and share commits.
 */
function readRunner(dataSource: DataSource, RunnerClass: new (driver: unknown) => Runner): Runner {
  const driver = dataSource.driver as unknown as SqliteDriver;
  const connection = new driver.sqlite(driver.databaseConnection.name, { fileMustExist: true });
  connection.pragma('query_only = ON');
  prepareSqliteReads(connection);
  const destroy = dataSource.destroy.bind(dataSource);
  dataSource.destroy = async () => {
    connection.close();
    return destroy();
  };
  return new RunnerClass(
    Object.create(dataSource.driver, { databaseConnection: { value: connection } }),
  );
}

/**
 * One transaction at a time on SQLite, and no other write on the connection while it is open;
 * reads beside it on a second connection; transactions queued one behind another share a
 * commit.
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
 * So writes take turns: each transaction begun through the DataSource runs on a query runner
 * of its own (same connection, shared statement cache), and the shared runner, which every
 * statement outside a transaction goes through, takes a turn for each write. Its reads (a
 * SELECT that SQLite says is read-only) run on a read-only second connection to the same
 * file (readRunner): under WAL they see what was last committed, without waiting.
 *
 * Group commit: a COMMIT was three quarters of a SCIM POST's time in SQLite (629 of 845 µs,
 * issue 16: writing some 43 pages to the WAL, then an fsync), and most of those pages (the
 * tables' and indexes' right-hand leaves, the counters, the outbox) are the same from one
 * write to the next. So when a transaction ends and the next turn in the queue is another
 * transaction, that one runs as a savepoint of the same SQLite transaction, and so on up to
 * COMMIT_GROUP_LIMIT; the first turn that is not a transaction (or an empty queue after one
 * turn of the event loop, or the limit) commits them all at once. Nobody is answered before
 * that COMMIT is durable: each transaction's promise settles when its group commits, a failure
 * at the commit fails every member (none was acknowledged), and a member that fails on its
 * own rolls back to its savepoint and fails alone, at once. Members run one after another in
 * queue order, each seeing the ones before it, as if each had committed: the outcome is what
 * running them one by one gives, their events written at the group's commit in that order
 * (the outbox keeps a savepoint's events apart until it is released, and drops them if it
 * rolls back). The cost: a transaction alone waits one turn of the event loop for company.
 *
 * Who is inside a transaction is told by the runner, not by AsyncLocalStorage: on Node 20 an
 * active AsyncLocalStorage slows every promise of every request. Code inside a transaction must
 * therefore use its `manager` (a transaction begun there with `manager.transaction` is a
 * savepoint of it, as TypeORM intends); a statement that went around it, through the
 * DataSource, would not see the transaction's own writes if it reads, and if it writes, waits
 * for its own transaction and fails after 5 s.
 */
export function serializeSqliteTransactions(dataSource: DataSource): void {
  if (dataSource.options.type !== 'better-sqlite3') return;
  const turns = new Turns();
  const database = () => (dataSource.driver as unknown as SqliteDriver).databaseConnection;

  const shared = dataSource.createQueryRunner() as Runner;
  const RunnerClass = shared.constructor as new (driver: unknown) => Runner;
  const reads = readRunner(dataSource, RunnerClass);
  // The class's own method, looked up at each call (so that a test's wrapper of it still sees
  // every statement).
  const prototype = Object.getPrototypeOf(shared) as { query: Query };
  (shared as { query: unknown }).query = async (...args: unknown[]) => {
    const sql = args[0] as string;
    if (!shared.isTransactionActive && READ.test(sql) && (await reads.getStmt(sql)).readonly) {
      return prototype.query.apply(reads, args);
    }
    await turns.take('statement');
    try {
      return await prototype.query.apply(shared, args);
    } finally {
      turns.give();
    }
  };

  const newRunner = () => {
    const runner = new RunnerClass(dataSource.driver);
    runner.stmtCache = shared.stmtCache; // prepared statements outlive the transaction
    Object.assign(runner, { manager: dataSource.createEntityManager(runner) });
    return runner;
  };

  /** The group whose SQLite transaction is open; only the holder of the turn touches it. */
  let open: CommitGroup | undefined;
  (dataSource.manager as { transaction: unknown }).transaction = async (...args: unknown[]) => {
    await turns.take('transaction');
    try {
      const group = (open ??= await CommitGroup.begin(newRunner()));
      let result: unknown;
      try {
        result = await (group.runner.manager.transaction as (...a: unknown[]) => Promise<unknown>)(
          ...args,
        );
      } catch (error) {
        // Rolled back to its savepoint: the group goes on without it. Unless SQLite rolled
        // back the whole transaction itself (SQLITE_FULL, SQLITE_IOERR...): then the members
        // before it are undone too, and they fail with it.
        if (!database().inTransaction) {
          open = undefined;
          group.fail(error);
        }
        throw error;
      }
      return group.join(result);
    } finally {
      // Nothing queued yet: the requests whose data arrived with this one's are still on
      // their way to their transactions. One turn of the event loop lets them queue.
      if (open && open.size < COMMIT_GROUP_LIMIT && turns.next() === undefined) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (open && (open.size >= COMMIT_GROUP_LIMIT || turns.next() !== 'transaction')) {
        const group = open;
        open = undefined;
        await group.commit();
      }
      turns.give();
    }
  };
}

/**
 * Transactions sharing one SQLite transaction, each a savepoint of it, and the promises that
 * answer them when it commits.
 */
class CommitGroup {
  private readonly members: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  private constructor(readonly runner: QueryRunner) {}

  static async begin(runner: QueryRunner): Promise<CommitGroup> {
    await runner.startTransaction();
    return new CommitGroup(runner);
  }

  get size(): number {
    return this.members.length;
  }

  /** A member's transaction succeeded: its result, once the group has committed. */
  join<T>(result: T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.members.push({ resolve: () => resolve(result), reject });
    });
  }

  /** COMMIT, the outbox's events first (OutboxSubscriber); every member learns the outcome. */
  async commit(): Promise<void> {
    try {
      await this.runner.commitTransaction();
    } catch (error) {
      try {
        await this.runner.rollbackTransaction();
      } catch {
        // The transaction is already gone; the error that ended it is the one to report.
      }
      this.fail(error);
      return;
    }
    for (const member of this.members) member.resolve();
  }

  /** The group's transaction is gone: no member's work was committed. */
  fail(error: unknown): void {
    for (const member of this.members) member.reject(error);
    this.members.length = 0;
  }
}

/** A first-come, first-served lock without a holder's identity, knowing what waits next. */
class Turns {
  private readonly waiting: { turn: Turn; granted: () => void }[] = [];
  private busy = false;

  take(turn: Turn): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        turn,
        granted: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(new Error(`no turn on the SQLite connection within ${TURN_TIMEOUT_MS} ms`));
      }, TURN_TIMEOUT_MS);
      this.waiting.push(waiter);
    });
  }

  /** What the next turn is for, if anyone waits. */
  next(): Turn | undefined {
    return this.waiting[0]?.turn;
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next.granted();
    else this.busy = false;
  }
}
