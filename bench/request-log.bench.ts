// What the request log line costs, alone: the service's pino logger and its request log and
// metrics middleware (libs/common/src/observability) over fake requests, into /dev/null, without HTTP or a load
// generator's noise. `node -r ts-node/register/transpile-only -r tsconfig-paths/register
// bench/request-log.bench.ts` (TS_NODE_PROJECT=tsconfig.json); figures in bench/RESULTS.md.
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { loadConfig, loggerOptions, MetricsService, requestObservability } from '@app/common';

type Middleware = (request: unknown, response: unknown, next: () => void) => void;

const REQUESTS = 200_000;
const config = loadConfig({ NODE_ENV: 'production', ADMIN_JWT_SECRET: 'x'.repeat(48) });
const logger = pino(loggerOptions(config), pino.destination({ dest: '/dev/null', sync: false }));

function exchange() {
  const request = Object.assign(new EventEmitter(), {
    method: 'GET',
    originalUrl: '/api/scim/v2/Users/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    url: '/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    headers: { authorization: `Bearer scimp_${'x'.repeat(32)}` },
    route: { path: '/:id' },
    baseUrl: '/api/scim/v2/Users',
  });
  return { request, response: Object.assign(new EventEmitter(), { statusCode: 200 }) };
}

const variants: Record<string, Middleware> = {
  'no request log': (_request, _response, next) => next(),
  'the same line through logger.info': (request, response, next) => {
    const started = Date.now();
    const { method, originalUrl } = request as { method: string; originalUrl: string };
    (response as EventEmitter).once('finish', () =>
      logger.info(
        {
          event: 'request',
          requestId: 'r-1',
          method,
          route: '/api/scim/v2/Users/:id',
          path: originalUrl,
          status: 200,
          durationMs: Date.now() - started,
          companyId: 'acme',
          tokenId: null,
          adminId: null,
        },
        'request',
      ),
    );
    next();
  },
  'the request log and metrics (requestObservability)': requestObservability(
    new MetricsService(),
    logger,
  ) as unknown as Middleware,
};

for (const [name, middleware] of Object.entries(variants)) {
  const rounds: number[] = [];
  for (let round = 0; round < 3; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < REQUESTS; i++) {
      const { request, response } = exchange();
      middleware(request, response, () => {});
      response.emit('finish');
    }
    rounds.push(Number(process.hrtime.bigint() - started) / 1e3 / REQUESTS);
  }
  const median = [...rounds].sort((a, b) => a - b)[1];
  console.log(
    `${name}: ${median.toFixed(1)} µs per request (rounds ${rounds.map((r) => r.toFixed(1)).join(', ')})`,
  );
}
logger.flush();
