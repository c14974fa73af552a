import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { redactSecrets } from '../http/redaction';
import { requestIdOf } from '../http/request-id';
import { onResponseDone } from '../http/response-done';
import { getCompanyScope } from '../tenancy/company-scope';
import { MetricsService } from './metrics.service';

/** The route pattern that served a request (never the raw path, so ids never become labels). */
function routeOf(request: Request): string | null {
  const pattern = (request.route as { path?: string } | undefined)?.path;
  return pattern ? `${request.baseUrl}${pattern}` : null;
}

/**
 * Once a request is answered: its Prometheus counters and latency, by route pattern, and one
 * structured line on the service's logger: method, route pattern, path, status, duration,
 * request id, and who called (company, SCIM token id or admin subject). Never the query string
 * (a SCIM filter names people), never a header or a body, so never a secret; a token pasted
 * into a path is redacted.
 *
 * One listener for both, written here rather than through pino-http: pino-http made a child
 * logger bound to the whole request for every request (then serialized nothing of it) and
 * hung three listeners on the response; with the metrics' own listener that was a sixth of
 * the CPU a GET by id spends outside the handler (issue 16's profiles). The listener is one
 * of the response's shared pair (onResponseDone). A request the client
 * abandoned ('close' before 'finish') is logged as pino-http did, and not counted in the
 * metrics, which describe answered requests.
 */
export function requestObservability(metrics: MetricsService, logger: Logger): RequestHandler {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    onResponseDone(response, (finished) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(request);
      const status = response.statusCode;
      if (finished) metrics.recordRequest(request.method, route, status, seconds);
      const scope = getCompanyScope(request);
      const entry = {
        event: 'request',
        requestId: requestIdOf(request) ?? null,
        method: request.method,
        route,
        path: redactSecrets(request.originalUrl.split('?')[0].slice(0, 512)),
        status,
        durationMs: Math.round(seconds * 1000),
        companyId: scope?.companyId ?? null,
        tokenId: scope?.actor.kind === 'scimToken' ? scope.actor.tokenId : null,
        adminId: scope?.actor.kind === 'admin' ? scope.actor.sub : null,
      };
      if (status >= 500) logger.error(entry, 'request');
      else logger.info(entry, 'request');
    });
    next();
  };
}
