import type { Database, Statement } from 'better-sqlite3';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  CompanyId,
  EventCause,
  lastStatementOfTransaction,
  rawQuery,
  transactionCause,
  transactionWithCause,
} from '@app/common';
import { EventType, MAX_IDS_PER_MEMBERSHIP_EVENT } from './event-types';

/** An event recorded in a transaction, written when that transaction commits. */
export interface PendingEvent {
  id: string;
  companyId: CompanyId;
  type: EventType;
  occurredAt: number;
  data: Record<string, unknown>;
}

/** A write sent with the commit (writeAtCommit): its SQL with `$n` placeholders. */
export interface CommitWrite {
  sql: string;
  parameters: unknown[];
}

interface Outbox {
  events: PendingEvent[];
  /** PostgreSQL: writes of the transaction's own level, sent with its commit. */
  writes: CommitWrite[];
  /** How many events each open savepoint began with (a savepoint rolled back drops its own). */
  savepoints: number[];
}

/** What a commit writes: the recorded events and the writes that waited for it. */
export interface CommitWork {
  events: PendingEvent[];
  writes: CommitWrite[];
}

const outboxes = new WeakMap<QueryRunner, Outbox>();

function outboxOf(manager: EntityManager, type: string): Outbox {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) {
    // A programming error: an event outside a transaction could commit without its change,
    // or its change without it.
    throw new Error(`event ${type} recorded outside a transaction`);
  }
  return outboxFor(runner);
}

function outboxFor(runner: QueryRunner): Outbox {
  let outbox = outboxes.get(runner);
  if (!outbox) {
    outbox = { events: [], writes: [], savepoints: [] };
    outboxes.set(runner, outbox);
  }
  return outbox;
}

/**
 * Records an event of the change being made in `manager`'s transaction. It is written with
 * that transaction's commit (OutboxSubscriber), so a change that rolls back has no event and a
 * committed one always has. Written at the commit rather than now: the company's sequence row
 * is locked from the event's insert until the commit, and taking it last keeps that short and
 * never before another lock (no lock-order deadlock with the rows the change itself locks).
 */
export function recordEvent(
  manager: EntityManager,
  companyId: CompanyId,
  type: EventType,
  data: Record<string, unknown>,
): void {
  outboxOf(manager, type).events.push({
    id: uuidv7(),
    companyId,
    type,
    occurredAt: Date.now(),
    data,
  });
}

/**
 * A write that nothing later in the transaction reads, sent with its commit. On PostgreSQL,
 * where every statement is a round trip, such writes become parts of the commit's one outbox
 * statement (data-modifying WITH clauses, issue 16), so a SCIM user's row, emails, member and
 * kept count cost no round trip of their own. They run on the same snapshot, so they must not
 * touch the same row twice (PostgreSQL would apply only one of the two changes) nor depend on
 * each other's effects beyond foreign keys and triggers, which are checked and fired at the
 * end of the statement. A failure (a unique violation a concurrent request caused) fails the
 * commit, and the transaction rolls back as it would have at the write. SQLite, in process,
 * and a savepoint's writes (a savepoint's failure must stay its own) run at once.
 */
export async function writeAtCommit(
  manager: EntityManager,
  sql: string,
  parameters: unknown[],
): Promise<void> {
  const runner = manager.queryRunner;
  if (
    manager.connection.options.type !== 'postgres' ||
    !runner?.isTransactionActive ||
    depthOf(runner) > 1
  ) {
    await rawQuery(manager, sql, parameters);
    return;
  }
  outboxOf(manager, 'write').writes.push({ sql, parameters });
}

/** `group.members_added` / `_removed`, at most 1,000 ids per event (CONTRACT.md). */
export function recordMembershipChange(
  manager: EntityManager,
  companyId: CompanyId,
  type: 'group.members_added' | 'group.members_removed',
  groupId: string,
  change: { users: string[]; groups: string[] },
): void {
  const ids = [
    ...change.users.map((id) => ['user', id] as const),
    ...change.groups.map((id) => ['group', id] as const),
  ];
  const cause = transactionCause(manager);
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_MEMBERSHIP_EVENT) {
    const chunk = ids.slice(i, i + MAX_IDS_PER_MEMBERSHIP_EVENT);
    recordEvent(manager, companyId, type, {
      groupId,
      userIds: chunk.filter(([kind]) => kind === 'user').map(([, id]) => id),
      groupIds: chunk.filter(([kind]) => kind === 'group').map(([, id]) => id),
      cause,
    });
  }
}

/** A member's access as events see it. */
export interface MemberState {
  id: string;
  email: string;
  status: string;
  role: string;
  source: string;
}

/**
 * The access events of one member's change (CONTRACT.md): `member.access_granted` when it
 * becomes active (created, restored, re-linked), `member.access_revoked` when it becomes
 * suspended or deprovisioned, `member.role_changed` when its role changes. `before` is null
 * for a member created now. Nothing when nothing a consumer acts on changed.
 */
export function recordMemberChange(
  manager: EntityManager,
  companyId: CompanyId,
  before: Pick<MemberState, 'status' | 'role'> | null,
  after: MemberState,
): void {
  const cause = transactionCause(manager);
  const base = { memberId: after.id, email: after.email };
  if (after.status === 'active' && before?.status !== 'active') {
    recordEvent(manager, companyId, 'member.access_granted', {
      ...base,
      role: after.role,
      source: after.source,
      cause,
    });
  } else if (after.status !== 'active' && before && before.status !== after.status) {
    recordEvent(manager, companyId, 'member.access_revoked', {
      ...base,
      status: after.status,
      previousStatus: before.status,
      cause,
    });
  }
  if (before && before.role !== after.role) {
    recordEvent(manager, companyId, 'member.role_changed', {
      ...base,
      role: after.role,
      previousRole: before.role,
      cause,
    });
  }
}

function depthOf(runner: QueryRunner): number {
  return (runner as unknown as { transactionDepth: number }).transactionDepth;
}

/** A savepoint began: events recorded from here on are its own. */
export function outboxSavepointStarted(runner: QueryRunner): void {
  if (depthOf(runner) <= 1) return;
  // Kept even while the transaction has no event yet (a savepoint opened first, as SQLite's
  // grouped commits open every transaction): its rollback must drop only what it recorded.
  const outbox = outboxFor(runner);
  outbox.savepoints.push(outbox.events.length);
}

/**
 * The events and writes to send now, if this commit is the transaction's own (not a
 * savepoint's): taken out of the outbox, which is left empty.
 */
export function outboxToCommit(runner: QueryRunner): CommitWork {
  const outbox = outboxes.get(runner);
  if (!outbox) return { events: [], writes: [] };
  if (depthOf(runner) > 1) {
    outbox.savepoints.pop();
    return { events: [], writes: [] };
  }
  outboxes.delete(runner);
  return { events: outbox.events, writes: outbox.writes };
}

/** A rollback: the transaction's events go (or a savepoint's, when only that rolls back). */
export function outboxRolledBack(runner: QueryRunner): void {
  const outbox = outboxes.get(runner);
  if (!outbox) return;
  if (depthOf(runner) > 1) {
    outbox.events.length = outbox.savepoints.pop() ?? outbox.events.length;
    return;
  }
  outboxes.delete(runner);
}

/** Rows per statement: well under SQLite's bound-parameter limit, and a bounded JSON on PG. */
const CHUNK = 500;

/**
 * Writes a committing transaction's events, company by company: the company's counter row is
 * advanced (and locked until the commit, so sequences follow commit order within a company),
 * the events inserted, a delivery queued for every enabled webhook endpoint that wants each
 * (the other instances are told after the commit: EventSignals.committed). On
 * PostgreSQL all of it is one statement: one round trip per company a transaction touched.
 * Answers whether any delivery was queued (the sender need not wake for the others).
 */
export async function writePendingEvents(
  manager: EntityManager,
  { events, writes }: CommitWork,
): Promise<{ deliveriesQueued: boolean }> {
  const byCompany = new Map<CompanyId, PendingEvent[]>();
  for (const event of events) {
    const list = byCompany.get(event.companyId) ?? [];
    list.push(event);
    byCompany.set(event.companyId, list);
  }
  const postgres = manager.connection.options.type === 'postgres';
  const now = Date.now();
  let deliveriesQueued = false;
  let statements = 0;
  for (const list of byCompany.values()) statements += Math.ceil(list.length / CHUNK);
  if (statements === 0 && writes.length > 0) statements = 1;
  // The last of these statements is the transaction's (deferPostgresBegin): it goes with the
  // COMMIT, or, where nothing before it needed a BEGIN (one statement, nearly every SCIM
  // write), it is the whole transaction, without BEGIN and COMMIT.
  let sent = 0;
  const beforeStatement = () => {
    if (postgres && ++sent === statements) lastStatementOfTransaction(manager);
  };
  // The waiting writes go with the first statement (there is one for most transactions).
  let waiting = writes;
  for (const [companyId, list] of byCompany) {
    for (let i = 0; i < list.length; i += CHUNK) {
      const chunk = list.slice(i, i + CHUNK);
      beforeStatement();
      const queued = postgres
        ? await writePostgres(manager, companyId, chunk, now, waiting)
        : await writeSqlite(manager, companyId, chunk, now);
      waiting = [];
      deliveriesQueued ||= queued;
    }
  }
  if (waiting.length > 0) {
    beforeStatement();
    const { clauses, parameters } = withClauses(waiting, 0);
    await rawQuery(manager, `WITH ${clauses} SELECT 1`, parameters);
  }
  return { deliveriesQueued };
}

/**
 * Writes as data-modifying WITH clauses (`w0 AS (...)`), their placeholders renumbered after
 * the `offset` the statement's own use. The SQL is the service's own constant text, whose only
 * `$` are its placeholders.
 */
function withClauses(
  writes: CommitWrite[],
  offset: number,
): { clauses: string; parameters: unknown[] } {
  const parameters: unknown[] = [];
  const clauses = writes.map(({ sql, parameters: own }, index) => {
    const base = offset + parameters.length;
    parameters.push(...own);
    return `w${index} AS (${sql.replace(/\$(\d+)/g, (_, n: string) => `$${base + Number(n)}`)})`;
  });
  return { clauses: clauses.join(',\n'), parameters };
}

const ADVANCE_COUNTER = `INSERT INTO "event_counters" ("companyId", "lastSequence") VALUES ($1, $2)
  ON CONFLICT ("companyId") DO UPDATE SET "lastSequence" = "event_counters"."lastSequence" + $2
  RETURNING "lastSequence"`;

/** The endpoints that want an event `e` of company $1 (`eventTypes` is `,a,b,` or null). */
const WANTED_BY = `w."enabled" = $ENABLED
  AND (w."companyId" IS NULL OR w."companyId" = $1)
  AND (w."eventTypes" IS NULL OR w."eventTypes" LIKE '%,' || e."type" || ',%')`;

/** The outbox statement, after `writes` (WITH clauses of waiting writes, each ending in a comma). */
const WRITE_POSTGRES = (writes: string) => `WITH ${writes}counter AS (${ADVANCE_COUNTER}),
incoming AS (
  SELECT * FROM json_to_recordset($3::json)
    AS r("ordinal" int, "id" text, "type" text, "occurredAt" bigint, "data" text)),
e AS (
  INSERT INTO "events" ("id", "companyId", "type", "sequence", "occurredAt", "data")
  SELECT r."id", $1, r."type", c."lastSequence" - $2 + r."ordinal", r."occurredAt", r."data"
    FROM incoming r CROSS JOIN counter c ORDER BY r."ordinal"
  RETURNING "id", "type", "sequence"),
queued AS (
  INSERT INTO "webhook_deliveries"
    ("endpointId", "eventId", "companyId", "sequence", "state", "attempts", "nextAttemptAt", "createdAt")
  SELECT w."id", e."id", $1, e."sequence", 'pending', 0, $4, $4
    FROM e JOIN "webhook_endpoints" w ON ${WANTED_BY.replace('$ENABLED', 'true')}
  RETURNING 1)
SELECT EXISTS (SELECT 1 FROM queued) AS "queued"`;

async function writePostgres(
  manager: EntityManager,
  companyId: CompanyId,
  events: PendingEvent[],
  now: number,
  writes: CommitWrite[],
): Promise<boolean> {
  const rows = events.map((event, index) => ({
    ordinal: index + 1,
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    data: JSON.stringify(event.data),
  }));
  const own = [companyId, events.length, JSON.stringify(rows), now];
  const waiting = withClauses(writes, own.length);
  const [result] = await rawQuery<{ queued: boolean }>(
    manager,
    WRITE_POSTGRES(writes.length > 0 ? `${waiting.clauses},\n` : ''),
    [...own, ...waiting.parameters],
  );
  return result.queued;
}

/**
 * SQLite: the commit hook runs while this transaction holds the one connection (its turn, see
 * serializeSqliteTransactions), so its statements go straight to better-sqlite3, prepared once
 * per connection and run synchronously, without TypeORM's per-statement work: with SQLite's one
 * writer, every microsecond of a commit is taken from every other write's throughput.
 */
interface SqliteOutboxStatements {
  advance: Statement;
  insert: Statement;
  queue: Statement;
}
const sqliteStatements = new WeakMap<object, SqliteOutboxStatements>();

function sqliteOutbox(manager: EntityManager): SqliteOutboxStatements {
  const db = (manager.connection.driver as unknown as { databaseConnection: Database })
    .databaseConnection;
  let statements = sqliteStatements.get(db);
  if (!statements) {
    statements = {
      advance: db.prepare(
        `INSERT INTO "event_counters" ("companyId", "lastSequence") VALUES (@companyId, @count)
           ON CONFLICT ("companyId") DO UPDATE SET "lastSequence" = "lastSequence" + @count
           RETURNING "lastSequence"`,
      ),
      insert: db.prepare(
        `INSERT INTO "events" ("id", "companyId", "type", "sequence", "occurredAt", "data")
         VALUES (@id, @companyId, @type, @sequence, @occurredAt, @data)`,
      ),
      queue: db.prepare(
        `INSERT INTO "webhook_deliveries"
           ("endpointId", "eventId", "companyId", "sequence", "state", "attempts", "nextAttemptAt", "createdAt")
         SELECT w."id", e."id", e."companyId", e."sequence", 'pending', 0, @now, @now
           FROM "events" e JOIN "webhook_endpoints" w ON ${WANTED_BY.replace('$ENABLED', '1').replace('$1', '@companyId')}
          WHERE e."companyId" = @companyId AND e."sequence" BETWEEN @first AND @last`,
      ),
    };
    sqliteStatements.set(db, statements);
  }
  return statements;
}

async function writeSqlite(
  manager: EntityManager,
  companyId: CompanyId,
  events: PendingEvent[],
  now: number,
): Promise<boolean> {
  const statements = sqliteOutbox(manager);
  const { lastSequence } = statements.advance.get({ companyId, count: events.length }) as {
    lastSequence: number;
  };
  const first = lastSequence - events.length + 1;
  events.forEach((event, index) =>
    statements.insert.run({
      id: event.id,
      companyId,
      type: event.type,
      sequence: first + index,
      occurredAt: event.occurredAt,
      data: JSON.stringify(event.data),
    }),
  );
  const queued = statements.queue.run({ companyId, first, last: lastSequence, now });
  return queued.changes > 0;
}

/** Thrown to roll a rehearsal back; carries what it would have committed. */
class Rehearsal<T> extends Error {
  constructor(
    readonly result: T,
    readonly events: PendingEvent[],
  ) {
    super('rehearsal: rolled back');
  }
}

/**
 * Runs `work` exactly as it would run, in a transaction that is then rolled back, and answers
 * the events it would have committed: a dry run that cannot drift from the real change, since
 * it is the real change (the access preview: "this change suspends 12 members").
 */
export async function rehearse<T>(
  dataSource: DataSource,
  cause: EventCause,
  work: (manager: EntityManager) => Promise<T>,
): Promise<{ result: T; events: PendingEvent[] }> {
  try {
    await transactionWithCause(dataSource, cause, async (manager) => {
      const result = await work(manager);
      const outbox = manager.queryRunner && outboxes.get(manager.queryRunner);
      throw new Rehearsal(result, outbox ? [...outbox.events] : []);
    });
  } catch (error) {
    if (error instanceof Rehearsal) return { result: error.result as T, events: error.events };
    throw error;
  }
  throw new Error('unreachable: a rehearsal always rolls back');
}
