import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { redactSecrets } from '../http/redaction';
import { requestIdOf } from '../http/request-id';
import { getCompanyScope } from '../tenancy/company-scope';
import { MetricsService } from './metrics.service';

/** The route pattern that served a request (never the raw path, so ids never become labels). */
function routeOf(request: Request): string | null {
  const pattern = (request.route as { path?: string } | undefined)?.path;
  return pattern ? `${request.baseUrl}${pattern}` : null;
}

/** Prometheus counters and latency of every request, by route pattern, once it is answered. */
export function requestMetrics(metrics: MetricsService) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.recordRequest(request.method, routeOf(request), response.statusCode, seconds);
    });
    next();
  };
}

/**
 * One structured line per request, through pino-http on the service's logger: method, route
 * pattern, path, status, duration, request id, and who called (company, SCIM token id or
 * admin subject). Never the query string (a SCIM filter names people), never a header or a
 * body, so never a secret; a token pasted into a path is redacted.
 */
export function requestLog(logger: Logger): RequestHandler {
  const entry = (req: IncomingMessage, res: ServerResponse, responseTime: number) => {
    const request = req as Request;
    const scope = getCompanyScope(request);
    return {
      event: 'request',
      requestId: (req as IncomingMessage & { id?: string }).id,
      method: request.method,
      route: routeOf(request),
      path: redactSecrets(request.originalUrl.split('?')[0].slice(0, 512)),
      status: res.statusCode,
      durationMs: responseTime,
      companyId: scope?.companyId ?? null,
      tokenId: scope?.actor.kind === 'scimToken' ? scope.actor.tokenId : null,
      adminId: scope?.actor.kind === 'admin' ? scope.actor.sub : null,
    };
  };
  const middleware = pinoHttp({
    logger,
    // The id the request-id middleware gave it (or the client's X-Request-Id).
    genReqId: (req) => requestIdOf(req as Request) ?? randomUUID(),
    // No per-request child logger bound to the id (pino-http's quietReqLogger): nothing but
    // this line logs through the request, and a child per request costs more than the line.
    // pino-http binds the whole request (headers, query) to the line it writes at the end:
    // nothing of it is logged (a SCIM filter names people; headers carry credentials).
    serializers: { req: () => undefined, res: () => undefined },
    wrapSerializers: false,
    customSuccessObject: (req, res, value: { responseTime: number }) =>
      entry(req, res, value.responseTime),
    customErrorObject: (req, res, _error, value: { responseTime: number }) =>
      entry(req, res, value.responseTime),
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request',
  });
  return middleware as unknown as RequestHandler;
}
