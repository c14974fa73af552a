import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { sqliteDriver } from './database-options';
import { COMMIT_GROUP_LIMIT, serializeSqliteTransactions } from './sqlite-transactions';

/** What the one connection was sent, in order (the runners' class method, wrapped). */
function recordStatements(dataSource: DataSource) {
  const sent: string[] = [];
  const prototype = Object.getPrototypeOf(dataSource.createQueryRunner()) as {
    query: (...args: unknown[]) => Promise<unknown>;
  };
  const original = prototype.query;
  let failCommit = false;
  prototype.query = async function (this: { driver: unknown }, ...args: unknown[]) {
    const sql = args[0] as string;
    // Only the writer's connection: the second, read-only one has a driver of its own.
    if (this.driver === dataSource.driver) {
      sent.push(sql);
      if (sql === 'COMMIT' && failCommit) {
        failCommit = false;
        throw new Error('injected commit failure');
      }
    }
    return original.apply(this, args);
  };
  return {
    sent,
    commits: () => sent.filter((sql) => sql === 'COMMIT').length,
    failNextCommit: () => (failCommit = true),
    restore: () => (prototype.query = original),
  };
}

describe('SQLite transactions: turns and grouped commits', () => {
  let directory: string;
  let dataSource: DataSource;
  let statements: ReturnType<typeof recordStatements>;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'sqlite-turns-'));
    dataSource = new DataSource({
      type: 'better-sqlite3',
      driver: sqliteDriver(),
      database: join(directory, 'db.sqlite'),
      prepareDatabase: (db: { pragma: (s: string) => unknown }) => {
        db.pragma('journal_mode = WAL');
      },
    });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE rows (name TEXT PRIMARY KEY)');
    serializeSqliteTransactions(dataSource);
    statements = recordStatements(dataSource);
  });

  afterEach(async () => {
    statements.restore();
    await dataSource.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  const insert = (manager: EntityManager, name: string) =>
    manager.query('INSERT INTO rows (name) VALUES (?)', [name]);
  const names = async () =>
    ((await dataSource.query('SELECT name FROM rows ORDER BY name')) as { name: string }[]).map(
      (row) => row.name,
    );
  /** A separate connection's view: what is committed, whatever the service's runners do. */
  const committed = () => {
    const Database = sqliteDriver() as new (path: string) => {
      prepare: (sql: string) => { pluck: () => { all: () => string[] } };
      close: () => void;
    };
    const db = new Database(join(directory, 'db.sqlite'));
    try {
      return db.prepare('SELECT name FROM rows ORDER BY name').pluck().all();
    } finally {
      db.close();
    }
  };

  it('transactions queued behind one another share one COMMIT, each answered after it', async () => {
    const seenAtAnswer: string[][] = [];
    await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((name) =>
        dataSource
          .transaction((manager) => insert(manager, name))
          .then(() => seenAtAnswer.push(committed())),
      ),
    );
    expect(await names()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(statements.commits()).toBe(1);
    // Nobody was answered before the commit was done.
    for (const seen of seenAtAnswer) expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('a transaction alone commits as soon as nothing else is queued', async () => {
    await dataSource.transaction((manager) => insert(manager, 'alone'));
    expect(committed()).toEqual(['alone']);
    expect(statements.commits()).toBe(1);
  });

  it(`at most ${COMMIT_GROUP_LIMIT} transactions share a commit`, async () => {
    const count = COMMIT_GROUP_LIMIT * 2 + 1;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        dataSource.transaction((manager) => insert(manager, `row${i}`)),
      ),
    );
    expect(await names()).toHaveLength(count);
    expect(statements.commits()).toBe(3);
  });

  it('a member that fails rolls back alone, at once; the others commit', async () => {
    const outcomes = await Promise.allSettled([
      dataSource.transaction((manager) => insert(manager, 'first')),
      dataSource.transaction(async (manager) => {
        await insert(manager, 'doomed');
        throw new Error('this one fails');
      }),
      // A duplicate key: SQLite fails the statement, the savepoint rolls back.
      dataSource.transaction(async (manager) => {
        await insert(manager, 'second');
        await insert(manager, 'first');
      }),
      dataSource.transaction((manager) => insert(manager, 'third')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('this one fails');
    expect(committed()).toEqual(['first', 'third']);
    expect(statements.commits()).toBe(1);
  });

  it('a failed COMMIT fails every member of the group, and none of their work stays', async () => {
    statements.failNextCommit();
    const outcomes = await Promise.allSettled(
      ['a', 'b', 'c'].map((name) => dataSource.transaction((manager) => insert(manager, name))),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const outcome of outcomes)
      expect((outcome as PromiseRejectedResult).reason.message).toBe('injected commit failure');
    expect(committed()).toEqual([]);
    // The connection is sound after.
    await dataSource.transaction((manager) => insert(manager, 'after'));
    expect(committed()).toEqual(['after']);
  });

  it('a write outside a transaction waits for the open group to commit, and ends it', async () => {
    const done = Promise.all([
      dataSource.transaction((manager) => insert(manager, 'a')),
      dataSource.query('INSERT INTO rows (name) VALUES (?)', ['outside']),
      dataSource.transaction((manager) => insert(manager, 'b')),
    ]);
    await done;
    const writes = statements.sent.filter((sql) => /^(COMMIT|INSERT)/.test(sql));
    // The outside write ran between two commits, in no transaction of another.
    expect(writes).toEqual([
      'INSERT INTO rows (name) VALUES (?)',
      'COMMIT',
      'INSERT INTO rows (name) VALUES (?)',
      'INSERT INTO rows (name) VALUES (?)',
      'COMMIT',
    ]);
    expect(committed()).toEqual(['a', 'b', 'outside']);
  });

  it('a read outside a transaction does not wait for one, and sees only what was committed', async () => {
    await dataSource.transaction((manager) => insert(manager, 'before'));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const open = dataSource.transaction(async (manager) => {
      await insert(manager, 'uncommitted');
      await held;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await names()).toEqual(['before']);
    release();
    await open;
    expect(await names()).toEqual(['before', 'uncommitted']);
  });

  it('a read-only statement that is not a SELECT still takes its turn on the writer', async () => {
    await dataSource.query('PRAGMA optimize');
    expect(statements.sent).toContain('PRAGMA optimize');
  });
});
