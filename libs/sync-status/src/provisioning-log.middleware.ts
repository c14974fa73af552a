import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import {
  Activity,
  activityOf,
  errorDetailOf,
  getCompanyScope,
  isScimRequest,
  onResponseDone,
  operationOutcomesOf,
  requestIdOf,
  redactSecrets,
  SCIM_BASE_PATH,
  warningsOf,
} from '@app/common';
import { foldCase } from '@app/scim-protocol';
import { ProvisioningLogService } from './provisioning-log.service';

/**
 * Records every SCIM request of a known company once its response is finished: method,
 * resource type and id, outcome, status, error detail, request id and duration. A middleware
 * (a listener on the response), not an interceptor: it costs nothing on the way in.
 */
@Injectable()
export class ProvisioningLogMiddleware implements NestMiddleware {
  constructor(private readonly log: ProvisioningLogService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    // The full path: Express shortens `path` inside a mounted middleware.
    const path = request.originalUrl.split('?')[0];
    if (isScimRequest({ path })) {
      const started = process.hrtime.bigint();
      onResponseDone(response, (finished) => {
        // A response that never finished (the client went away) is not an outcome to record.
        if (!finished) return;
        const scope = getCompanyScope(request);
        if (!scope) return;
        const [resourceType = '', resourceId] = path.slice(SCIM_BASE_PATH.length + 1).split('/');
        const status = response.statusCode;
        const base = {
          companyId: scope.companyId,
          tokenId: scope.actor.kind === 'scimToken' ? scope.actor.tokenId : null,
          requestId: requestIdOf(request) ?? null,
          durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
          createdAt: new Date(),
        };
        // A Bulk request is recorded as the operations it carried, each with its own outcome.
        const operations = status < 400 ? operationOutcomesOf(response) : undefined;
        const entries = operations ?? [
          {
            method: request.method,
            resourceType,
            resourceId: resourceId ?? null,
            status,
            errorDetail: status >= 400 ? (errorDetailOf(response) ?? null) : null,
            activity: activityOf(response) ?? activityFromBody(resourceType, request.body),
          },
        ];
        for (const entry of entries) {
          const subject = entry.activity?.subject ? entry.activity.subject.slice(0, 256) : null;
          this.log.record({
            ...base,
            id: uuidv7(),
            method: entry.method,
            resourceType: entry.resourceType.slice(0, 32),
            operation:
              entry.activity?.operation ??
              operationOf(entry.method, entry.resourceType, entry.resourceId),
            subject,
            subjectKey: subject && foldCase(subject),
            // A token a client put in the path must not reach the log (nor the status card).
            resourceId: entry.resourceId ? redactSecrets(entry.resourceId).slice(0, 64) : null,
            outcome: entry.status >= 500 ? 'failed' : entry.status >= 400 ? 'refused' : 'success',
            status: entry.status,
            errorDetail: entry.errorDetail ? redactSecrets(entry.errorDetail).slice(0, 1024) : null,
          });
        }
        for (const warning of status < 400 ? warningsOf(response) : []) {
          this.log.record({
            ...base,
            id: uuidv7(),
            method: warning.method,
            resourceType: warning.resourceType,
            resourceId: warning.resourceId,
            outcome: 'warning',
            operation: operationOf(warning.method, warning.resourceType, warning.resourceId),
            subject: null,
            subjectKey: null,
            status: warning.status,
            errorDetail: redactSecrets(warning.detail).slice(0, 1024),
          });
        }
      });
    }
    next();
  }
}

/**
 * What a write did, from its method alone: what a handler did not say (a refused request, a
 * POST). Reads and anything else are null: the log's method and path say them.
 */
function operationOf(
  method: string,
  resourceType: string,
  resourceId: string | null,
): string | null {
  const kind = resourceType === 'Users' ? 'user' : resourceType === 'Groups' ? 'group' : null;
  if (!kind) return null;
  if (method === 'POST' && !resourceId) return `${kind}.created`;
  if ((method === 'PUT' || method === 'PATCH') && resourceId) return `${kind}.updated`;
  if (method === 'DELETE' && resourceId) return `${kind}.deleted`;
  return null;
}

/** Whom a POST or PUT concerned, from its body, refused or not (a bad request names someone too). */
function activityFromBody(resourceType: string, body: unknown): Activity | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[
    resourceType === 'Users' ? 'userName' : resourceType === 'Groups' ? 'displayName' : ''
  ];
  return typeof value === 'string' && value.trim() !== '' ? { subject: value.trim() } : undefined;
}
