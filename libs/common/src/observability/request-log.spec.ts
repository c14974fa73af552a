import type { Request, Response } from 'express';
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { MetricsService } from './metrics.service';
import { requestObservability } from './request-log';

/** A request and its response as Express hands them to a middleware, without a socket. */
function exchange(path: string) {
  const request = Object.assign(new EventEmitter(), {
    method: 'GET',
    originalUrl: path,
    baseUrl: '/api/scim/v2/Users',
    route: { path: '/:id' },
    headers: { authorization: 'Bearer scimp_secret' },
  }) as unknown as Request;
  const response = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as Response;
  return { request, response };
}

describe('requestObservability', () => {
  let lines: Record<string, unknown>[];
  let metrics: MetricsService;
  let middleware: ReturnType<typeof requestObservability>;

  beforeEach(() => {
    lines = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );
    metrics = new MetricsService();
    middleware = requestObservability(metrics, logger);
  });

  const answered = async () =>
    (await metrics.registry.getSingleMetricAsString('http_requests_total'))
      .split('\n')
      .filter((line) => !line.startsWith('#') && line.trim() !== '');

  it('writes one line and counts the request once it is answered', async () => {
    const { request, response } = exchange('/api/scim/v2/Users/u-1?filter=userName%20eq%20%22a%22');
    const next = jest.fn();
    middleware(request, response, next);
    expect(next).toHaveBeenCalledTimes(1);
    expect(lines).toHaveLength(0);
    response.emit('finish');
    response.emit('close'); // Node emits both for an answered request: still one line
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request',
      event: 'request',
      method: 'GET',
      route: '/api/scim/v2/Users/:id',
      path: '/api/scim/v2/Users/u-1', // never the query string
      status: 200,
    });
    expect(typeof lines[0].durationMs).toBe('number');
    expect(JSON.stringify(lines[0])).not.toContain('scimp_secret');
    expect(await answered()).toEqual([
      expect.stringMatching(/route="\/api\/scim\/v2\/Users\/:id".*status="200".* 1$/),
    ]);
  });

  it('logs a server error at error level and redacts a token pasted into the path', () => {
    const { request, response } = exchange(`/api/scim/v2/Users/scimp_${'A'.repeat(49)}`);
    middleware(request, response, () => {});
    response.statusCode = 500;
    response.emit('finish');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, status: 500 });
    expect(lines[0].path).toBe('/api/scim/v2/Users/scimp_[REDACTED]');
  });

  it('logs a request the client abandoned, without counting it as answered', async () => {
    const { request, response } = exchange('/api/scim/v2/Users/u-2');
    middleware(request, response, () => {});
    response.emit('close');
    response.emit('finish');
    expect(lines).toHaveLength(1);
    expect(await answered()).toEqual([]);
  });
});
