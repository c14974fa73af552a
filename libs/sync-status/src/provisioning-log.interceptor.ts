import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { v7 as uuidv7 } from 'uuid';
import {
  errorDetailOf,
  getCompanyScope,
  isScimRequest,
  requestIdOf,
  SCIM_BASE_PATH,
} from '@app/common';
import { ProvisioningLogService } from './provisioning-log.service';

/**
 * Records every SCIM request of a known company once its response is finished: method,
 * resource type and id, outcome, status, error detail, request id and duration.
 */
@Injectable()
export class ProvisioningLogInterceptor implements NestInterceptor {
  constructor(private readonly log: ProvisioningLogService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    if (isScimRequest(request)) {
      const started = process.hrtime.bigint();
      response.once('finish', () => {
        const scope = getCompanyScope(request);
        if (!scope) return;
        const [resourceType = '', resourceId] = request.path
          .slice(SCIM_BASE_PATH.length + 1)
          .split('/');
        const status = response.statusCode;
        this.log.record({
          id: uuidv7(),
          companyId: scope.companyId,
          tokenId: scope.actor.kind === 'scimToken' ? scope.actor.tokenId : null,
          method: request.method,
          resourceType: resourceType.slice(0, 32),
          resourceId: resourceId ? resourceId.slice(0, 64) : null,
          outcome: status >= 500 ? 'failed' : status >= 400 ? 'refused' : 'success',
          status,
          errorDetail: status >= 400 ? (errorDetailOf(response)?.slice(0, 1024) ?? null) : null,
          requestId: requestIdOf(request) ?? null,
          durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
          createdAt: new Date(),
        });
      });
    }
    return next.handle();
  }
}
