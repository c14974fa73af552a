import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger, PinoLogger } from 'nestjs-pino';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import type { DestinationStream } from 'pino';
import {
  AdminJwtService,
  AppConfig,
  bearerToken,
  configureBodyParsing,
  RateLimiter,
  rateLimitMiddleware,
  verifiedAdminSubject,
  MetricsService,
  requestIdMiddleware,
  requestObservability,
} from '@app/common';
import { platformCredentialKey } from '@app/events';
import { scimCredentialKey } from '@app/tokens';
import { AppModule } from './app.module';
import { GracefulShutdown } from './graceful-shutdown';
import { serveOpenApi } from './openapi/openapi-document';

/**
 * Builds the application exactly as production runs it; used by main.ts and the tests (which
 * pass a `logDestination` to read every line the service logs).
 */
export async function createApp(
  config: AppConfig,
  logDestination?: DestinationStream,
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, logDestination),
    // Nest's own lines wait for the pino logger (LoggerModule) and then go through it too.
    { bodyParser: false, bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  // Nest flushes what it buffered in app.listen(), which main.ts does not call (it listens on
  // the HTTP server itself, to say in one line why a port cannot be had).
  app.flushLogs();
  applyServerTimeouts(app.getHttpServer() as Server, config);
  app.disable('x-powered-by');
  // Ahead of the handlers, so that shutdown waits for every request the server has taken.
  app.use(app.get(GracefulShutdown).middleware);
  // Rate limits and in-flight caps per credential, before anything else costs a thing (a
  // flood of one limited token must not slow other companies).
  const jwt = app.get(AdminJwtService);
  app.use(
    rateLimitMiddleware(
      app.get(RateLimiter),
      config,
      {
        scim: (request) => scimCredentialKey(bearerToken(request)),
        admin: async (request) => {
          const platform = platformCredentialKey(bearerToken(request));
          if (platform) return platform;
          const sub = await verifiedAdminSubject(request, jwt);
          return sub === undefined ? undefined : `admin:${sub}`;
        },
      },
      app.get(MetricsService),
    ),
  );
  // Security headers on every answer (the console's pages get a stricter CSP of their own).
  app.use(helmet());
  app.set('etag', false);
  app.use(requestIdMiddleware);
  // API answers hold people's data and, once, secrets (the new token): no cache keeps them.
  app.use('/api', (_request: Request, response: Response, next: NextFunction) => {
    response.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(requestObservability(app.get(MetricsService), (await app.resolve(PinoLogger)).logger));
  configureBodyParsing(app);
  if (config.adminCorsOrigins.length > 0) {
    // The admin console may be hosted on its own origin (CONTRACT.md): only those origins.
    app.enableCors({
      origin: config.adminCorsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    });
  }
  // After the middleware above, so its requests are logged and counted too (not rate limited:
  // like the console's files, it is a document built once at start, not API work).
  serveOpenApi(app, config.publicUrl);
  serveAdminConsole(app);
  // SIGTERM/SIGINT: GracefulShutdown drains, then the database closes; exit code 0 (not a
  // re-raised signal), so a supervisor sees a clean stop.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  return app;
}

/**
 * Slow and idle clients cannot hold connections: Node's defaults (60 s for headers, 300 s for
 * a request, checked every 30 s) let a client without credentials keep a half-sent request
 * open for minutes at one byte per second. Headers must arrive within
 * HTTP_HEADERS_TIMEOUT_MS and the whole request (a 1 MiB Bulk upload included) within
 * HTTP_REQUEST_TIMEOUT_MS; an idle kept-alive connection closes after
 * HTTP_KEEP_ALIVE_TIMEOUT_MS. The deadlines are checked every second.
 */
function applyServerTimeouts(server: Server, config: AppConfig): void {
  server.headersTimeout = config.http.headersTimeoutMs;
  server.requestTimeout = config.http.requestTimeoutMs;
  server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  // Read when the server starts listening (node: setupConnectionsTracking).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = 1000;
  // A connection that sends nothing at all (no request yet) is closed as idle too.
  server.timeout = config.http.requestTimeoutMs;
}

/** Finds the built admin console (apps/admin-web/dist) from the source tree or the build output. */
function adminConsoleDirectory(): string | undefined {
  let directory = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = join(directory, 'apps', 'admin-web', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    directory = dirname(directory);
  }
  return undefined;
}

/**
 * The admin console at /settings/..., with a strict content security policy: scripts and
 * styles only from the files Vite built, nothing inline. Its routes (/settings/scim/members,
 * ...) all answer index.html; the hashed assets are cached for good, index.html never.
 */
function serveAdminConsole(app: NestExpressApplication): void {
  const directory = adminConsoleDirectory();
  if (!directory) {
    app
      .get(Logger)
      .warn(
        'The admin console is not built (apps/admin-web/dist; `npm run build` builds it): /settings is not served',
        'AdminConsole',
      );
    return;
  }
  const csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  app.use('/settings', (request: Request, response: Response, next: NextFunction) => {
    response.setHeader('Content-Security-Policy', csp);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  app.useStaticAssets(join(directory, 'assets'), {
    prefix: '/settings/assets',
    maxAge: '365d',
    immutable: true,
    fallthrough: false,
  });
  app.useStaticAssets(directory, { prefix: '/settings', index: false, maxAge: '1h' });
  const index = join(directory, 'index.html');
  app.use('/settings', (request: Request, response: Response, next: NextFunction) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(index);
  });
  app.use('/', (request: Request, response: Response, next: NextFunction) => {
    if (request.method === 'GET' && request.path === '/')
      return response.redirect('/settings/scim');
    next();
  });
}
