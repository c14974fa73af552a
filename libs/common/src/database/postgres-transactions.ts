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
 * SAVEPOINT, SET TRANSACTION) first sends the BEGIN, and the transaction is what it always
 * was. Only under READ COMMITTED, PostgreSQL's default: under REPEATABLE READ or SERIALIZABLE
 * (a server's default_transaction_isolation) a transaction's reads share one snapshot, and
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
  /** `begun`: as TypeORM runs it; `pending`: BEGIN not sent yet; `ended`: its last statement ran alone. */
  let state: 'begun' | 'pending' | 'ended' = 'begun';
  (runner as { query: Query }).query = async (sql, parameters, structured) => {
    const text = typeof sql === 'string' ? sql : (sql as { text: string }).text;
    const last = lastStatementNext.delete(runner);
    if (state === 'begun') {
      if (
        text === 'START TRANSACTION' &&
        (runner as { transactionDepth?: number }).transactionDepth === 0
      ) {
        state = 'pending';
        return undefined;
      }
      return query(sql, parameters, structured);
    }
    if (text === 'COMMIT' || text === 'ROLLBACK') {
      // Nothing was begun: the reads are over, and the last statement committed (or failed,
      // and PostgreSQL rolled it back) on its own.
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
    state = 'begun';
    await query('START TRANSACTION');
    return query(sql, parameters, structured);
  };
  return runner;
}
