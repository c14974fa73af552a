import type { Params } from 'nestjs-pino';
import { pino, type DestinationStream, type LoggerOptions } from 'pino';
import { AppConfig } from '../config/app-config';
import { redactSecrets } from '../http/redaction';

/** LOG_LEVEL names Nest's levels; pino's are these. */
const PINO_LEVELS: Record<AppConfig['logLevel'], string> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * What never reaches a log, in one place. The request log writes neither headers nor bodies
 * nor query strings in the first place; this is the net under every other line:
 * - the credential headers of Node's request and response objects (pino's redact paths, for
 *   serialized `req`/`res`);
 * - any property named like a credential header, in any plain object logged (a few levels
 *   deep), and anything of a secret's shape (`scimp_…`, `scimk_…`, `whsec_…`) in any string
 *   (the `logMethod` hook).
 * Exact paths only: pino's wildcard paths (`*.authorization`) cost more per line than the
 * rest of the line together, and the hook's walk covers them.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];
const CREDENTIAL_KEYS = new Set(['authorization', 'cookie', 'set-cookie']);
const CENSOR = '[REDACTED]';

/**
 * A logged value with credentials and secret-shaped strings redacted. Copy on write: a value
 * with nothing to redact (nearly every line) is returned as it is, allocating nothing.
 */
function redacted(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (depth > 3 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const message = redactSecrets(value.message);
    const stack = value.stack && redactSecrets(value.stack);
    if (message === value.message && stack === value.stack) return value;
    const copy = new Error(message);
    copy.name = value.name;
    copy.stack = stack;
    return copy;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const clean = redacted(item, depth + 1);
      if (clean !== item) (copy ??= [...value])[index] = clean;
    });
    return copy ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    const clean = CREDENTIAL_KEYS.has(key.toLowerCase()) ? CENSOR : redacted(item, depth + 1);
    if (clean !== item) (copy ??= { ...value })[key] = clean;
  }
  return copy ?? value;
}

/**
 * The one pino logger of the service: JSON lines in production (and into `destination` when
 * given: the tests read them), one readable line per entry through pino-pretty elsewhere.
 * Nest's own logs (`app.useLogger`), TypeORM's, the request log and every service's go
 * through it.
 */
export function loggerOptions(config: AppConfig, destination?: DestinationStream): LoggerOptions {
  const pretty = !destination && config.nodeEnv !== 'production';
  return {
    level: PINO_LEVELS[config.logLevel],
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    hooks: {
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) args[i] = redacted(args[i]);
        method.apply(this, args);
      },
    },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              singleLine: true,
              translateTime: 'SYS:HH:MM:ss.l',
              ignore: 'pid,hostname,context',
              messageFormat: '{if context}[{context}] {end}{msg}',
            },
          },
        }
      : {}),
  };
}

/**
 * nestjs-pino's parameters: Nest's logger (`app.useLogger(app.get(Logger))`) writes through
 * this one pino instance. nestjs-pino's own request middleware is not mounted
 * (`forRoutes: []`): it binds every request into an AsyncLocalStorage for request-scoped
 * loggers this service does not use, and on Node 20 an active AsyncLocalStorage slows every
 * promise of every request. The request log writes through the same instance instead
 * (requestObservability, mounted by createApp).
 */
export function loggerModuleParams(config: AppConfig, destination?: DestinationStream): Params {
  const options = loggerOptions(config, destination);
  const logger = pino(options, destination ?? (options.transport ? undefined : stdout()));
  return { pinoHttp: { logger }, forRoutes: [] };
}

/** What may wait in memory for a stdout that does not keep up; past it, lines are dropped. */
const STDOUT_BUFFER_LIMIT = 16 * 1024 * 1024;
/**
 * Lines gather to this many bytes (about ten request lines) before a write: one write per line
 * was 3 to 8% of the service's CPU under load (issue 16's profiles). At a trickle, they go out
 * within STDOUT_FLUSH_MS.
 */
const STDOUT_BATCH_BYTES = 4096;
const STDOUT_FLUSH_MS = 250;

/**
 * JSON lines to stdout, written asynchronously. pino's default writes each line synchronously
 * to fd 1: when the reader of a pipe lags (a log shipper, a busy supervisor), every request
 * waits for it on the event loop, and a stalled reader stalls the service. Asynchronous,
 * lines queue and go out in batches of STDOUT_BATCH_BYTES, or every STDOUT_FLUSH_MS; pino
 * flushes the queue synchronously when the process exits (a crash's last lines included; a
 * SIGKILL loses at most the last quarter second). A reader stalled past 16 MiB loses lines
 * rather than freezing provisioning.
 */
function stdout(): DestinationStream {
  return pino.destination({
    dest: 1,
    sync: false,
    minLength: STDOUT_BATCH_BYTES,
    periodicFlush: STDOUT_FLUSH_MS,
    maxLength: STDOUT_BUFFER_LIMIT,
  });
}
