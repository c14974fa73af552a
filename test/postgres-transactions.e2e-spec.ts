import { Socket } from 'node:net';
import { DataSource } from 'typeorm';
import { deferPostgresBegin, lastStatementOfTransaction, readBeforeBegin } from '@app/common';
import { recordPgStatements } from './support/pg-statements';

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

/**
 * deferPostgresBegin (libs/common/src/database/postgres-transactions.ts): what a transaction
 * sends, and that it is still all or nothing, on a table of its own.
 */
onPostgres('PostgreSQL transactions whose BEGIN waits for a statement that needs it', () => {
  const table = `deferred_begin_${process.pid}`;
  const READ = readBeforeBegin(`SELECT count(*)::int AS "n" FROM "${table}"`);
  const INSERT = `INSERT INTO "${table}" ("id") VALUES ($1)`;
  let dataSource: DataSource;
  let sent: string[];
  let recorded: ReturnType<typeof recordPgStatements>;

  beforeAll(async () => {
    dataSource = await new DataSource({
      type: 'postgres',
      url: process.env.DATABASE_URL,
      extra: { pipeline: true },
    }).initialize();
    await dataSource.query(`CREATE TABLE "${table}" ("id" int PRIMARY KEY)`);
    expect(await deferPostgresBegin(dataSource)).toBe(true);
    recorded = recordPgStatements();
    sent = recorded.sent;
  });
  afterAll(async () => {
    recorded?.restore();
    await dataSource?.query(`DROP TABLE IF EXISTS "${table}"`);
    await dataSource?.destroy();
  });
  beforeEach(async () => {
    await dataSource.query(`DELETE FROM "${table}"`);
    sent.length = 0;
  });
  const ids = async () =>
    (await dataSource.query(`SELECT "id" FROM "${table}" ORDER BY "id"`)).map(
      (row: { id: number }) => row.id,
    );

  it('sends a read and a last statement alone: no BEGIN, no COMMIT, the row committed', async () => {
    await dataSource.transaction(async (manager) => {
      await manager.query(READ);
      lastStatementOfTransaction(manager);
      await manager.query(INSERT, [1]);
    });
    expect(sent).toEqual([READ, INSERT]);
    expect(await ids()).toEqual([1]);
  });

  it('begins with the first statement that needs it, in one round trip, and commits as before', async () => {
    await dataSource.transaction(async (manager) => {
      await manager.query(READ);
      await manager.query(INSERT, [1]);
      await manager.query(INSERT, [2]);
    });
    expect(sent).toEqual([READ, 'START TRANSACTION', `+ ${INSERT}`, INSERT, 'COMMIT']);
    expect(await ids()).toEqual([1, 2]);
  });

  it('sends the last statement of a begun transaction with its COMMIT, in one round trip', async () => {
    // And each pair in one write to the socket (one system call, one wake-up of the server):
    // pg alone writes a BEGIN, a COMMIT and each prepared statement separately.
    const writes = [
      jest.spyOn(Socket.prototype, '_write'),
      jest.spyOn(Socket.prototype, '_writev'),
    ];
    try {
      await dataSource.transaction(async (manager) => {
        await manager.query(`SELECT "id" FROM "${table}" FOR UPDATE`);
        lastStatementOfTransaction(manager);
        await manager.query(INSERT, [1]);
      });
      expect(writes.map((write) => write.mock.calls.length)).toEqual([0, 2]);
    } finally {
      for (const write of writes) write.mockRestore();
    }
    expect(sent).toEqual([
      'START TRANSACTION',
      `+ SELECT "id" FROM "${table}" FOR UPDATE`,
      INSERT,
      '+ COMMIT',
    ]);
    expect(recorded.roundTrips()).toHaveLength(2);
    expect(await ids()).toEqual([1]);
  });

  it('a last statement that fails with its COMMIT leaves nothing, and its error is the answer', async () => {
    await dataSource.query(INSERT, [7]);
    sent.length = 0;
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query(INSERT, [1]);
        lastStatementOfTransaction(manager);
        await manager.query(INSERT, [7]); // a unique violation: the COMMIT is answered ROLLBACK
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(sent).toEqual(['START TRANSACTION', `+ ${INSERT}`, INSERT, '+ COMMIT']);
    expect(await ids()).toEqual([7]);
    // The connection is sound afterwards: outside any transaction, nothing left in flight.
    await dataSource.transaction((manager) => manager.query(INSERT, [2]));
    expect(await ids()).toEqual([2, 7]);
  });

  it('rolls back every statement once begun', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query(INSERT, [1]);
        await manager.query(INSERT, [1]); // a unique violation
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(sent).toEqual(['START TRANSACTION', `+ ${INSERT}`, INSERT, 'ROLLBACK']);
    expect(await ids()).toEqual([]);
  });

  it('a failed last statement leaves nothing, and sends no ROLLBACK for a BEGIN never sent', async () => {
    await dataSource.query(INSERT, [7]);
    sent.length = 0;
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query(READ);
        lastStatementOfTransaction(manager);
        await manager.query(`INSERT INTO "${table}" ("id") VALUES (8), (7)`);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(sent).toEqual([READ, `INSERT INTO "${table}" ("id") VALUES (8), (7)`]);
    expect(await ids()).toEqual([7]);
  });

  it('a transaction that only read, or failed before writing, sends only its reads', async () => {
    await dataSource.transaction((manager) => manager.query(READ));
    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query(READ);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(sent).toEqual([READ, READ]);
  });

  it('a savepoint, a locking read or an isolation level begins the transaction first', async () => {
    await dataSource.transaction(async (manager) => {
      await manager.query(READ);
      await manager.transaction((inner) => inner.query(INSERT, [1]));
    });
    await dataSource.transaction(async (manager) => {
      await manager.query(`SELECT "id" FROM "${table}" FOR UPDATE`);
    });
    await dataSource.transaction('SERIALIZABLE', (manager) => manager.query(READ));
    expect(sent).toEqual([
      READ,
      'START TRANSACTION',
      '+ SAVEPOINT typeorm_1',
      INSERT,
      'RELEASE SAVEPOINT typeorm_1',
      'COMMIT',
      'START TRANSACTION',
      `+ SELECT "id" FROM "${table}" FOR UPDATE`,
      'COMMIT',
      'START TRANSACTION',
      '+ SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
      READ,
      'COMMIT',
    ]);
  });

  it('refuses a statement after the last one (a programming error, not a half transaction)', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        lastStatementOfTransaction(manager);
        await manager.query(INSERT, [1]);
        await manager.query(INSERT, [2]);
      }),
    ).rejects.toThrow(/after its transaction's last one/);
    expect(await ids()).toEqual([1]); // the last statement had committed on its own
  });

  it('defers nothing where transactions share one snapshot (REPEATABLE READ by default)', async () => {
    const url = new URL(process.env.DATABASE_URL!);
    url.searchParams.set('options', '-c default_transaction_isolation=repeatable\\ read');
    const repeatable = await new DataSource({ type: 'postgres', url: url.toString() }).initialize();
    try {
      expect(await deferPostgresBegin(repeatable)).toBe(false);
      sent.length = 0;
      await repeatable.transaction((manager) => manager.query(READ));
      expect(sent).toEqual(['START TRANSACTION', READ, 'COMMIT']);
    } finally {
      await repeatable.destroy();
    }
  });
});
