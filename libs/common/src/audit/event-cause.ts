import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { rawQuery, StatementText } from '../database/raw-query';
import { requestIdOf } from '../http/request-id';
import { Actor, getCompanyScope } from '../tenancy/company-scope';

/** Who caused a change (CONTRACT.md "Events": every event's `data.cause`). */
export type EventCause =
  | { kind: 'scim'; tokenId: string; requestId: string | null }
  | { kind: 'admin'; adminId: string }
  | { kind: 'reconciliation'; runId: string }
  | { kind: 'system' };

export const SYSTEM_CAUSE: EventCause = { kind: 'system' };

/** The cause of what an actor does: its SCIM token (and the request), or the admin. */
export function causeOf(actor: Actor, requestId: string | null = null): EventCause {
  return actor.kind === 'admin'
    ? { kind: 'admin', adminId: actor.sub }
    : { kind: 'scim', tokenId: actor.tokenId, requestId };
}

/** The cause of this request, from what its guard resolved (a SCIM token or an admin). */
export const CurrentCause = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  const request = ctx.switchToHttp().getRequest<Request>();
  const scope = getCompanyScope(request);
  if (!scope) throw new Error('CurrentCause used on a route without a company guard');
  return causeOf(scope.actor, requestIdOf(request) ?? null);
});

/**
 * The cause travels with the transaction, not as a parameter of every method below the one
 * that opens it: a deactivation is reported by the directory, several calls below the SCIM
 * controller that knows which token sent it, and all of them share the transaction's manager.
 * (Not AsyncLocalStorage: on Node 20 it slows every promise of every request.) Every
 * transaction has a query runner of its own (on SQLite too, see serializeSqliteTransactions),
 * so an entry goes with its runner.
 */
const causes = new WeakMap<QueryRunner, EventCause>();

/**
 * A credential not checked yet when its request began (PostgreSQL: a SCIM token checked in
 * the request's first read, TokenCheckedInRead in libs/tokens). A cause can carry one: every
 * transaction of that cause has it settled before it commits, whatever its work did, so
 * nothing a bad credential asked for is ever committed.
 */
export interface PendingCredentialCheck {
  readonly pending: boolean;
  /** Runs `sql` as the check's own statement on `runner`; throws the check's refusal. */
  read<T>(
    sql: string,
    parameters: unknown[],
    text: StatementText,
    runner?: DataSource | EntityManager,
  ): Promise<T[]>;
  /** Checks the credential on its own (a no-op once settled); throws its refusal. */
  settleAlone(): Promise<void>;
}

/** How a check's own columns are named beside a read's (`token:id`, …). */
export const CHECK_COLUMN_PREFIX = 'token:';

const pendingChecks = new WeakMap<EventCause, PendingCredentialCheck>();

/** `cause`, whose transactions settle `check` before they commit. */
export function causeAwaitingCheck(cause: EventCause, check: PendingCredentialCheck): EventCause {
  pendingChecks.set(cause, check);
  return cause;
}

/**
 * A read in `manager`'s transaction that can carry its cause's pending check (the first
 * read of a SCIM write: the token is checked in the same statement, one round trip less);
 * a plain rawQuery otherwise. The row comes back without the check's own columns.
 */
export async function readCheckingCause<T>(
  manager: EntityManager,
  sql: string,
  parameters: unknown[],
): Promise<T[]> {
  const check = pendingChecks.get(transactionCause(manager));
  if (!check?.pending) return rawQuery<T>(manager, sql, parameters);
  const rows = await check.read<Record<string, unknown>>(sql, parameters, 'constant', manager);
  return rows.map((row) => {
    const own: Record<string, unknown> = {};
    for (const key of Object.keys(row)) {
      if (!key.startsWith(CHECK_COLUMN_PREFIX)) own[key] = row[key];
    }
    return own as T;
  });
}

/**
 * Settles the pending check of `manager`'s transaction now (a no-op once settled): for a write
 * whose first statement is not a read that could carry it, so that a bad credential's
 * request takes no lock and meets no constraint before it is refused.
 */
export async function settleCauseCheck(manager: EntityManager): Promise<void> {
  await pendingChecks.get(transactionCause(manager))?.settleAlone();
}

/** Runs `work` in a transaction whose changes `cause` caused. */
export function transactionWithCause<T>(
  dataSource: DataSource,
  cause: EventCause,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction(async (manager) => {
    if (manager.queryRunner) causes.set(manager.queryRunner, cause);
    const result = await work(manager);
    // Before the COMMIT: a refusal here rolls the work back.
    await pendingChecks.get(cause)?.settleAlone();
    return result;
  });
}

/** Who caused what `manager`'s transaction changes (the system, unless it was named). */
export function transactionCause(manager: EntityManager): EventCause {
  return (manager.queryRunner && causes.get(manager.queryRunner)) ?? SYSTEM_CAUSE;
}
