import type { INestApplication } from '@nestjs/common';
import express, { NextFunction, Request, Response } from 'express';
import { scimErrorBody, ScimErrorType } from '@app/scim-protocol';
import { AppConfig } from '../config/app-config';
import { isScimRequest, SCIM_BASE_PATH } from './scim-path';

/** Largest request body accepted: room for a full-list replace of a 100,000-member group (~5 MB). */
export const MAX_BODY_BYTES = 10 * 1_048_576;

const NUL_IN_BODY = 'The request body contains U+0000 in a string, which no value here may hold';
/** Deeper than any SCIM or admin body (a PATCH value inside a PatchOp is about 6 levels). */
export const MAX_BODY_DEPTH = 64;
const TOO_DEEP = `The request body nests deeper than ${MAX_BODY_DEPTH} levels`;
const NUL_IN_URL = 'The request URL contains U+0000 (%00), which no value here may hold';

const JSON_TYPES = ['application/json', 'application/scim+json', 'application/*+json'];

/**
 * Body parsing done here, not by Nest's default parser, so that its failures (malformed
 * JSON, too large, wrong media type) answer in the format of the route that was called.
 */
export function configureBodyParsing(app: INestApplication): void {
  app.use(SCIM_BASE_PATH, (request: Request, response: Response, next: NextFunction) => {
    // RFC 7644 §3.1: every SCIM answer is application/scim+json (set before the handler runs,
    // so express's res.json keeps it).
    response.type('application/scim+json');
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'];
    if (hasBody && ['POST', 'PUT', 'PATCH'].includes(request.method) && !request.is(JSON_TYPES)) {
      response
        .status(415)
        .json(scimErrorBody(415, 'Send the body as application/scim+json (or application/json)'));
      return;
    }
    next();
  });
  // U+0000 has no place in any value here, and PostgreSQL cannot store it in text: a request
  // carrying one (in the URL or in a JSON string) is refused up front as a 400.
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (!/%00/.test(request.url)) {
      next();
      return;
    }
    refuseBeforeRouting(request, response, 400, NUL_IN_URL, 'invalidValue', 'Bad Request');
  });
  // A Bulk request has its own, smaller limit (RFC 7644 §3.7.4: maxPayloadSize, advertised in
  // ServiceProviderConfig), refused with 413 before it is parsed; the general parser then
  // skips a body already read.
  const { bulkMaxPayloadBytes } = app.get(AppConfig);
  app.use(
    `${SCIM_BASE_PATH}/Bulk`,
    express.json({ type: JSON_TYPES, limit: bulkMaxPayloadBytes, strict: true }),
  );
  app.use(express.json({ type: JSON_TYPES, limit: MAX_BODY_BYTES, strict: true }));
  app.use((request: Request, response: Response, next: NextFunction) => {
    const problem = bodyProblem(request.body);
    if (problem === undefined) {
      next();
      return;
    }
    if (problem === 'nul')
      refuseBeforeRouting(request, response, 400, NUL_IN_BODY, 'invalidValue', 'Bad Request');
    else refuseBeforeRouting(request, response, 400, TOO_DEEP, 'invalidSyntax', 'Bad Request');
  });

  app.use(
    (
      error: Error & { type?: string; status?: number; limit?: number },
      request: Request,
      response: Response,
      next: NextFunction,
    ) => {
      const status = error.status ?? 500;
      if (status >= 500 || !error.type) {
        next(error);
        return;
      }
      const detail =
        error.type === 'entity.too.large'
          ? `The request body is larger than ${error.limit ?? MAX_BODY_BYTES} bytes`
          : error.type === 'entity.parse.failed'
            ? 'The request body is not valid JSON'
            : error.message;
      refuseBeforeRouting(
        request,
        response,
        status,
        detail,
        status === 400 ? 'invalidSyntax' : undefined,
        error.type,
      );
    },
  );
}

/** Answers a request refused before it reached a route, in that route's format. */
export function refuseBeforeRouting(
  request: Request,
  response: Response,
  status: number,
  detail: string,
  scimType: ScimErrorType | undefined,
  adminError: string,
): void {
  if (isScimRequest(request)) {
    response
      .status(status)
      .type('application/scim+json')
      .json(scimErrorBody(status, detail, scimType));
  } else {
    response.status(status).json({ statusCode: status, message: detail, error: adminError });
  }
}

/**
 * What makes a parsed body unacceptable before any handler sees it: U+0000 in any string
 * (keys included), or nesting deeper than MAX_BODY_DEPTH (every later step walks bodies
 * recursively; 5,000 nested arrays in 10 KB overflowed the stack). Walked with an explicit
 * stack, so the walk itself cannot overflow.
 *
 * The same walk makes every string well formed: JSON may escape half of a surrogate pair
 * ("\ud83d", RFC 8259 §8.2 leaves what a receiver does with it open), and an IdP that cuts a
 * value to a length counted in UTF-16 units splits an emoji so. PostgreSQL's json and jsonb
 * refuse such an escape, and the stored documents are read as jsonb by filters and indexes, so
 * the half is replaced with U+FFFD here, once, and both engines store the same text. Refusing
 * it would drop a user an IdP cannot send any other way.
 */
function bodyProblem(body: unknown): 'nul' | 'depth' | undefined {
  const stack: [unknown, number][] = [[body, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) return 'depth';
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        const inner: unknown = value[index];
        if (typeof inner === 'string') {
          if (inner.includes('\u0000')) return 'nul';
          if (!inner.isWellFormed()) value[index] = inner.toWellFormed();
        } else stack.push([inner, depth + 1]);
      }
      continue;
    }
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      if (key.includes('\u0000')) return 'nul';
      let inner = object[key];
      if (typeof inner === 'string') {
        if (inner.includes('\u0000')) return 'nul';
        if (!inner.isWellFormed()) setOwn(object, key, (inner = inner.toWellFormed()));
      } else stack.push([inner, depth + 1]);
      if (!key.isWellFormed()) {
        delete object[key];
        setOwn(object, key.toWellFormed(), inner);
      }
    }
  }
  return undefined;
}

/** Sets an own property as JSON.parse makes it, "__proto__" included (an assignment would set the prototype). */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
