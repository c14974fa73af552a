import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { ScimError, scimErrorBody } from '@app/scim-protocol';
import type { Request, Response } from 'express';
import { isScimRequest } from './scim-path';
import { requestIdOf } from './request-id';
import { rememberErrorDetail } from './error-detail';

/**
 * The one exception filter: SCIM routes answer RFC 7644 §3.12 bodies, admin routes Nest's
 * usual `{ statusCode, message, error }`. Anything unexpected is a 500 logged with the request
 * id, and the client sees the id, never the internal message.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    if (response.headersSent) return;
    const requestId = requestIdOf(request);

    if (isStatementTimeout(exception)) {
      // DATABASE_STATEMENT_TIMEOUT_MS cancelled the request's query: the request cost too much
      // now, not a fault of ours to hide behind a 500.
      response.setHeader('Retry-After', '5');
      const detail =
        'The request took longer than the database allows (DATABASE_STATEMENT_TIMEOUT_MS): narrow it (a more specific filter, a smaller page) or retry later';
      if (isScimRequest(request)) {
        rememberErrorDetail(response, detail);
        response
          .status(503)
          .type('application/scim+json')
          .json(new ScimError(503, detail).toBody());
      } else {
        response
          .status(503)
          .json({ statusCode: 503, message: detail, error: 'Service Unavailable' });
      }
      return;
    }

    if (isScimRequest(request)) {
      const error = toScimError(exception, requestId);
      if (error.status >= 500) this.logUnexpected(exception, request, requestId);
      rememberErrorDetail(response, error.detail);
      response.status(error.status).type('application/scim+json').json(error.toBody());
      return;
    }

    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      response
        .status(exception.getStatus())
        .json(
          typeof body === 'string' ? { statusCode: exception.getStatus(), message: body } : body,
        );
      return;
    }
    this.logUnexpected(exception, request, requestId);
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json({
      statusCode: 500,
      message: `Internal server error (request id ${requestId})`,
      error: 'Internal Server Error',
    });
  }

  private logUnexpected(exception: unknown, request: Request, requestId?: string) {
    const stack = exception instanceof Error ? exception.stack : String(exception);
    this.logger.error(`${request.method} ${request.path} failed [request ${requestId}]`, stack);
  }
}

function toScimError(exception: unknown, requestId?: string): ScimError {
  if (exception instanceof ScimError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const message =
      typeof body === 'string'
        ? body
        : Array.isArray((body as { message?: unknown }).message)
          ? (body as { message: string[] }).message.join('; ')
          : String((body as { message?: unknown }).message ?? exception.message);
    if (status === 429) {
      return new ScimError(
        429,
        'Too many requests with this token: wait for the Retry-After seconds, then retry',
      );
    }
    if (status === 404 && message.startsWith('Cannot ')) {
      return new ScimError(404, `No SCIM endpoint at ${message.replace(/^Cannot /, '')}`);
    }
    return new ScimError(status, message, status === 400 ? 'invalidSyntax' : undefined);
  }
  return new ScimError(500, `Internal server error (request id ${requestId})`);
}

export { scimErrorBody };

/** PostgreSQL's query_canceled (57014): statement_timeout ended the query. */
function isStatementTimeout(exception: unknown): boolean {
  const code = (exception as { driverError?: { code?: string }; code?: string } | null)?.driverError
    ?.code;
  return code === '57014';
}
