import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { redactSecrets } from '../http/redaction';
import { requestIdOf } from '../http/request-id';
import { getCompanyScope } from '../tenancy/company-scope';
import { MetricsService } from './metrics.service';

const logger = new Logger('HTTP');

/**
 * Observes every request once its answer is finished, in one listener: the Prometheus
 * counters and latency (by route pattern, never raw paths, so ids never become labels), and
 * one structured log line: method, route pattern, path, status, duration, request id, and who
 * called (company, SCIM token id or admin subject). In production the lines are JSON
 * (ConsoleLogger `json`). Never the query string (a SCIM filter names people), never a header
 * or a body, so never a secret.
 */
export function requestObserver(metrics: MetricsService) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const pattern = (request.route as { path?: string } | undefined)?.path;
      const route = pattern ? `${request.baseUrl}${pattern}` : null;
      metrics.recordRequest(request.method, route, response.statusCode, seconds);
      const scope = getCompanyScope(request);
      const entry = {
        event: 'request',
        method: request.method,
        route,
        path: redactSecrets(request.originalUrl.split('?')[0].slice(0, 512)),
        status: response.statusCode,
        durationMs: seconds * 1000,
        requestId: requestIdOf(request) ?? null,
        companyId: scope?.companyId ?? null,
        tokenId: scope?.actor.kind === 'scimToken' ? scope.actor.tokenId : null,
        adminId: scope?.actor.kind === 'admin' ? scope.actor.sub : null,
      };
      if (response.statusCode >= 500) logger.error(entry);
      else logger.log(entry);
    });
    next();
  };
}
