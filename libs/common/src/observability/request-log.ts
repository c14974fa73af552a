import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { requestIdOf } from '../http/request-id';
import { getCompanyScope } from '../tenancy/company-scope';

const logger = new Logger('HTTP');

/**
 * One structured line per request once its answer is finished: method, route pattern, path,
 * status, duration, request id, and who called (company, SCIM token id or admin subject). In
 * production these are JSON lines (ConsoleLogger `json`). Never the query string (a SCIM
 * filter names people), never a header or a body, so never a secret.
 */
export function requestLogMiddleware(request: Request, response: Response, next: NextFunction) {
  const started = process.hrtime.bigint();
  response.once('finish', () => {
    const scope = getCompanyScope(request);
    const route = (request.route as { path?: string } | undefined)?.path;
    const entry = {
      event: 'request',
      method: request.method,
      route: route ? `${request.baseUrl}${route}` : null,
      path: request.originalUrl.split('?')[0].slice(0, 512),
      status: response.statusCode,
      durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      requestId: requestIdOf(request) ?? null,
      companyId: scope?.companyId ?? null,
      tokenId: scope?.actor.kind === 'scimToken' ? scope.actor.tokenId : null,
      adminId: scope?.actor.kind === 'admin' ? scope.actor.sub : null,
    };
    if (response.statusCode >= 500) logger.error(entry);
    else logger.log(entry);
  });
  next();
}
