import { pino } from 'pino';
import { Writable } from 'node:stream';
import { loadConfig } from '../config/app-config';
import { loggerOptions } from './logging';

/** A logger as the service configures it, writing JSON lines into an array. */
function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp', LOG_LEVEL: 'log' });
  const logger = pino(loggerOptions(config, destination), destination);
  return { logger, lines, entries: () => lines.map((line) => JSON.parse(line)) };
}

const TOKEN = `scimp_${'A1b2C3d4'.repeat(4)}`;

describe('log redaction', () => {
  it('censors credential properties at any of the first levels, whatever their case', () => {
    const { logger, entries } = capturingLogger();
    logger.info({ headers: { Authorization: `Bearer ${TOKEN}`, accept: 'json' } }, 'one');
    logger.info({ upstream: { request: { cookie: 'sid=1', 'Set-Cookie': 'sid=2' } } }, 'two');
    logger.info({ req: { headers: { authorization: 'Basic x' } } }, 'three');
    const [one, two, three] = entries();
    expect(one.headers).toEqual({ Authorization: '[REDACTED]', accept: 'json' });
    expect(two.upstream.request).toEqual({ cookie: '[REDACTED]', 'Set-Cookie': '[REDACTED]' });
    expect(three.req.headers.authorization).toBe('[REDACTED]');
  });

  it('redacts secret-shaped strings in messages, fields, arrays and errors', () => {
    const { logger, lines } = capturingLogger();
    logger.info(`token ${TOKEN} in a message`);
    logger.info({ path: `/x/${TOKEN}`, list: [`whsec_${'z'.repeat(24)}`] }, 'fields');
    logger.error(new Error(`refused ${TOKEN}`));
    const all = lines.join('\n');
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain('z'.repeat(24));
    // The error's text is in three places of its line: msg, err.message and err.stack.
    expect(all.match(/_\[REDACTED\]/g)).toHaveLength(6);
  });

  it('leaves the objects it logs as they were', () => {
    const { logger, entries } = capturingLogger();
    const context = { headers: { authorization: 'Bearer x' }, note: `see ${TOKEN}` };
    logger.info(context, 'original untouched');
    expect(context).toEqual({ headers: { authorization: 'Bearer x' }, note: `see ${TOKEN}` });
    const plain = { event: 'request', status: 200, nested: { ok: true } };
    logger.info(plain, 'nothing to redact');
    expect(entries()[1]).toMatchObject(plain);
  });
});
