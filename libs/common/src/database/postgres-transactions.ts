import { DataSource, EntityManager, QueryRunner } from 'typeorm';

type Query = (query: unknown, parameters?: unknown[], structured?: boolean) => Promise<unknown>;

/** Statements a transaction may send before its BEGIN (see readBeforeBegin). */
const readsBeforeBegin = new Set<string>();
/** Runners whose next statement is their transaction's last (see lastStatementOfTransaction). */
const lastStatementNext = new WeakSet<QueryRunner>();

/**
 * Marks `sql` as a plain read that a transaction may run before it has begun: a SELECT that
 * takes no row lock and writes nothing. Under READ COMMITTED (which deferPostgresBegin
 * requires) such a statement sees the same thing inside a transaction as outside one, a
 * snapshot taken when the statement starts, so sending it before the BEGIN changes nothing.
 */
export function readBeforeBegin(sql: string): string {
  readsBeforeBegin.add(sql);
  return sql;
}

/** Whether `sql` was marked readBeforeBegin. */
export function isReadBeforeBegin(sql: string): boolean {
  return readsBeforeBegin.has(sql);
}

/**
 * Says that the next statement `manager`'s transaction sends is its last one before COMMIT
 * (the outbox's commit statement, when it is one statement). If the transaction has not begun
 * by then (everything before was a readBeforeBegin read), that statement runs on its own, as
 * its own transaction: one statement is atomic, and its row locks are held until its end as
 * they would have been until the COMMIT.
 */
export function lastStatementOfTransaction(manager: EntityManager): void {
  if (manager.queryRunner) lastStatementNext.add(manager.queryRunner);
}

/**
 * PostgreSQL: a transaction's BEGIN is sent with its first statement that needs it, and a
 * transaction that never needed it sends neither BEGIN nor COMMIT.
 *
 * Every statement is a round trip (on a machine shared with the database, a wake-up of both
 * processes). A SCIM create reads its context (the access policy, the members of its email),
 * then sends every write and its events as one statement at the commit (writeAtCommit): five
 * round trips with its token, two of them BEGIN and COMMIT around work that needs no
 * transaction (issue 16). With this, the create sends its read, then its one statement.
 *
 * Deferred, not skipped: anything but a readBeforeBegin read (a locking read, a write, a
 * SAVEPOINT, SET TRANSACTION) is sent with the BEGIN before it, and the transaction is what it
 * always was. The two go pipelined (pg's pipeline mode), one round trip; so do a begun
 * transaction's last statement and its COMMIT: a deactivating PATCH (the locked read, then
 * its one statement) sends its token, BEGIN with the read, and the write with the COMMIT.
 *
 * Only under READ COMMITTED, PostgreSQL's default: under REPEATABLE READ or SERIALIZABLE (a
 * server's default_transaction_isolation) a transaction's reads share one snapshot, and
 * reading before the BEGIN would change what the transaction sees; there, nothing changes.
 */
export async function deferPostgresBegin(dataSource: DataSource): Promise<boolean> {
  if (dataSource.options.type !== 'postgres') return false;
  const [{ default_transaction_isolation: isolation }] = (await dataSource.query(
    'SHOW default_transaction_isolation',
  )) as { default_transaction_isolation: string }[];
  if (isolation !== 'read committed') return false;
  const driver = dataSource.driver as { createQueryRunner: (mode: string) => QueryRunner };
  const create = driver.createQueryRunner.bind(driver);
  driver.createQueryRunner = (mode: string) => deferringBegin(create(mode));
  return true;
}

function deferringBegin(runner: QueryRunner): QueryRunner {
  const query = runner.query.bind(runner) as Query;
  const depth = () => (runner as { transactionDepth?: number }).transactionDepth;
  /**
   * `begun`: as TypeORM runs it; `pending`: BEGIN not sent yet; `ended`: its last statement
   * ran alone, or went with the COMMIT.
   */
  let state: 'begun' | 'pending' | 'ended' = 'begun';
  (runner as { query: Query }).query = async (sql, parameters, structured) => {
    const text = typeof sql === 'string' ? sql : (sql as { text: string }).text;
    const last = lastStatementNext.delete(runner);
    if (state === 'begun') {
      if (text === 'START TRANSACTION' && depth() === 0) {
        state = 'pending';
        return undefined;
      }
      if (last && depth() === 1) {
        // The last statement and the COMMIT go together (pipelined, one round trip). If the
        // statement fails, PostgreSQL answers that COMMIT as a ROLLBACK: nothing is left.
        state = 'ended';
        return (
          await sentTogether(
            runner,
            () => query(sql, parameters, structured),
            () => query('COMMIT'),
          )
        )[0];
      }
      return query(sql, parameters, structured);
    }
    if (text === 'COMMIT' || text === 'ROLLBACK') {
      // Nothing was begun (the reads are over, and the last statement committed, or failed
      // and PostgreSQL rolled it back, on its own), or the COMMIT went with the last statement.
      state = 'begun';
      return undefined;
    }
    if (state === 'ended') {
      throw new Error(`a statement after its transaction's last one: ${text.slice(0, 80)}`);
    }
    if (readsBeforeBegin.has(text)) return query(sql, parameters, structured);
    if (last) {
      state = 'ended';
      return query(sql, parameters, structured);
    }
    // The BEGIN goes with the statement that needs it (pipelined, one round trip).
    state = 'begun';
    return (
      await sentTogether(
        runner,
        () => query('START TRANSACTION'),
        () => query(sql, parameters, structured),
      )
    )[1];
  };
  return runner;
}

/** What sentTogether needs of pg's Client: its socket, and its own `query`. */
interface PgClient {
  query: (...args: unknown[]) => unknown;
  connection: { stream: { cork(): void; uncork(): void } };
}

/**
 * Two statements sent at once, in order: with pg's pipeline mode (databaseOptions) the second
 * is on the wire before the first is answered, so the pair costs one round trip; without it,
 * pg queues the second, and the pair costs two, as before. Resolves to both results once both
 * are answered (a connection goes back to the pool with nothing in flight), or rejects with
 * the first failure in the order they were sent.
 *
 * And in one write to the socket: pg writes each statement as it is handed one (a BEGIN or a
 * COMMIT alone, a prepared statement's Bind, Describe, Execute and Sync corked together), and
 * each write is a system call that wakes the database's process. Profiled on PostgreSQL (issue
 * 16, round 5), those writes were a sixth of a deactivating PATCH's CPU in the service; its
 * two pairs went in four writes. The socket stays corked until pg has been handed both (or
 * one of them failed before it got there, which leaves the other to go alone).
 */
async function sentTogether(
  runner: QueryRunner,
  first: () => Promise<unknown>,
  second: () => Promise<unknown>,
): Promise<[unknown, unknown]> {
  const client = (await runner.connect()) as PgClient;
  const uncork = corkUntilHanded(client, 2);
  const sent = [first(), second()];
  for (const statement of sent) statement.then(uncork, uncork);
  const [a, b] = await Promise.allSettled(sent);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

/**
 * Corks `client`'s socket until `count` statements have been handed to pg (its `query`), or
 * the returned function is called, whichever comes first. pg submits a statement inside
 * `query` in pipeline mode, so when the last is handed, the socket's one write holds all.
 */
function corkUntilHanded(client: PgClient, count: number): () => void {
  const { stream } = client.connection;
  const handTo = Object.getPrototypeOf(client).query as PgClient['query'];
  let left = count;
  let corked = true;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    delete (client as Partial<PgClient>).query; // pg's own again
    stream.uncork();
  };
  stream.cork();
  client.query = (...args: unknown[]) => {
    const result = handTo.apply(client, args);
    if (--left === 0) uncork();
    return result;
  };
  return uncork;
}
