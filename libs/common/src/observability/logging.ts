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
 * What never reaches a log, in one place: the headers that carry credentials, wherever an
 * object puts them, and anything of a secret's shape (`scimp_…`, `scimk_…`, `whsec_…`) in any
 * string logged (redactSecrets). The request log writes neither headers nor bodies nor query
 * strings in the first place; this is the net under every other line.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.authorization',
  '*.cookie',
];

/** Strings of a logged object (a few levels deep) with secret-shaped parts redacted. */
function redacted(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (depth > 3 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const copy = new Error(redactSecrets(value.message));
    copy.name = value.name;
    copy.stack = value.stack && redactSecrets(value.stack);
    return copy;
  }
  if (Array.isArray(value)) return value.map((item) => redacted(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, redacted(item, depth + 1)]),
  );
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
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => redacted(arg)) as Parameters<typeof method>);
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
 * promise of every request. The request log is pino-http on the same instance instead
 * (requestLog, mounted by createApp).
 */
export function loggerModuleParams(config: AppConfig, destination?: DestinationStream): Params {
  const options = loggerOptions(config, destination);
  const logger = destination ? pino(options, destination) : pino(options);
  return { pinoHttp: { logger }, forRoutes: [] };
}
