import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { requestIdOf } from '../http/request-id';
import { getCompanyScope } from '../tenancy/company-scope';

/** Who caused a change (CONTRACT.md "Events": every event's `data.cause`). */
export type EventCause =
  | { kind: 'scim'; tokenId: string; requestId: string | null }
  | { kind: 'admin'; adminId: string }
  | { kind: 'reconciliation'; runId: string }
  | { kind: 'system' };

const SYSTEM: EventCause = { kind: 'system' };
const causes = new AsyncLocalStorage<EventCause>();

/** The cause of whatever runs now: the request's actor, a reconciliation run, or the system. */
export function currentCause(): EventCause {
  return causes.getStore() ?? SYSTEM;
}

/**
 * Runs `work` with this cause. The cause travels with the async context rather than as a
 * parameter of every service method: a deactivation is reported by the directory, several
 * calls below the SCIM controller that knows which token sent it.
 */
export function withCause<T>(cause: EventCause, work: () => T): T {
  return causes.run(cause, work);
}

/**
 * Sets the cause of a request from what its guard resolved (a SCIM token or an admin). An
 * interceptor, not a middleware: it runs after the guards, and Nest binds the handler to the
 * async context in which `next.handle()` is called, so everything the handler awaits sees it.
 */
@Injectable()
export class EventCauseInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    const actor = getCompanyScope(request)?.actor;
    if (!actor) return next.handle();
    const cause: EventCause =
      actor.kind === 'admin'
        ? { kind: 'admin', adminId: actor.sub }
        : { kind: 'scim', tokenId: actor.tokenId, requestId: requestIdOf(request) ?? null };
    return withCause(cause, () => next.handle());
  }
}
