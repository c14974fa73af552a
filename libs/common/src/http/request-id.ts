import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';

const REQUEST_ID = Symbol('requestId');
type RequestWithId = Request & { [REQUEST_ID]?: string };

/** An id a caller may quote to an operator; taken from X-Request-Id when it looks sane. */
export function requestIdMiddleware(request: Request, response: Response, next: NextFunction) {
  const incoming = request.headers['x-request-id'];
  const id =
    typeof incoming === 'string' && /^[A-Za-z0-9._:-]{8,128}$/.test(incoming)
      ? incoming
      : randomUUID();
  (request as RequestWithId)[REQUEST_ID] = id;
  response.setHeader('X-Request-Id', id);
  next();
}

export function requestIdOf(request: Request): string | undefined {
  return (request as RequestWithId)[REQUEST_ID];
}
