import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
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

/** Runs `work` in a transaction whose changes `cause` caused. */
export function transactionWithCause<T>(
  dataSource: DataSource,
  cause: EventCause,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction((manager) => {
    if (manager.queryRunner) causes.set(manager.queryRunner, cause);
    return work(manager);
  });
}

/** Who caused what `manager`'s transaction changes (the system, unless it was named). */
export function transactionCause(manager: EntityManager): EventCause {
  return (manager.queryRunner && causes.get(manager.queryRunner)) ?? SYSTEM_CAUSE;
}
