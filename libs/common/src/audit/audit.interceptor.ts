import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { concatMap, Observable } from 'rxjs';
import { requestIdOf } from '../http/request-id';
import { getCompanyScope } from '../tenancy/company-scope';
import { AUDIT_SINK, AUDITED_ACTION, AuditedAction, AuditSink } from './audit-metadata';

/**
 * Writes the audit entry of an `@Audited` admin route (it runs on those routes only) once its handler has succeeded, and
 * before the answer goes out: an action the client saw acknowledged is always in the log.
 * (The entry is written just after the action's own transaction; a crash between the two
 * loses the entry of an action whose answer was never sent.) Failed actions change nothing
 * and are not recorded.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUDIT_SINK) private readonly audit: AuditSink,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const audited = this.reflector.get<AuditedAction | undefined>(
      AUDITED_ACTION,
      context.getHandler(),
    );
    if (!audited) return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    return next.handle().pipe(
      concatMap(async (result: unknown) => {
        const scope = getCompanyScope(request);
        if (scope?.actor.kind !== 'admin') return result;
        const body = request.body as Record<string, unknown> | undefined;
        const description = audited.describe
          ? audited.describe({ params: request.params as Record<string, string>, body, result })
          : { details: body };
        await this.audit.record({
          companyId: scope.companyId,
          action: audited.action,
          actorId: scope.actor.sub,
          actorEmail: scope.actor.email ?? null,
          targetId: description.targetId ?? null,
          details: description.details,
          requestId: requestIdOf(request) ?? null,
        });
        return result;
      }),
    );
  }
}
