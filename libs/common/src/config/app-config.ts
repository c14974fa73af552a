import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MinLength,
  Min,
  validateSync,
} from 'class-validator';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { CronTime } from 'cron';

/** A configuration value that stops the start; its message is one line naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const trim = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** An optional whole number from `min` to `max`, with one message naming the variable. */
function WholeNumber(name: string, min: number, max: number, unit: string): PropertyDecorator {
  const message = `${name} must be a whole number of ${unit} from ${min} to ${max}`;
  return applyDecorators(
    Transform(trim),
    IsOptional(),
    Transform(({ value }) => (value === undefined ? undefined : Number(value))),
    IsInt({ message }),
    Min(min, { message }),
    Max(max, { message }),
  );
}

function applyDecorators(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    for (const decorator of decorators.reverse()) decorator(target, key);
  };
}

/** Variables whose values are secret (or hold one): a configuration error never prints them. */
const SECRET_VARIABLES = new Set(['ADMIN_JWT_SECRET', 'DATABASE_URL']);

/**
 * When a webhook delivery is attempted, counted from the previous attempt: at once, then
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (Svix's schedule), then it is given up.
 */
const DEFAULT_RETRY_SCHEDULE = '0,5s,5m,30m,2h,5h,10h,10h';

/** `250ms`, `5s`, `5m`, `2h`, `1d` or a number of seconds, as milliseconds. */
function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|[smhd])?$/i.exec(text.trim())!;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    (match[2] ?? 's').toLowerCase() as 'ms'
  ];
  return Math.round(Number(match[1]) * unit);
}

/** `24h`, `30m`, `90s`, `2d` or a number of seconds, as seconds. */
function durationSeconds(text: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2].toLowerCase()]!;
  return Number(match[1]) * unit;
}

/**
 * The environment as the service reads it: one validated schema, so that a bad value is
 * refused at start and never discovered by the first request that needs it.
 */
class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @Transform(trim)
  @IsOptional()
  @Transform(({ value }) => (value === undefined ? undefined : Number(value)))
  @IsInt({ message: 'PORT must be an integer between 0 and 65535' })
  @Min(0, { message: 'PORT must be an integer between 0 and 65535' })
  @Max(65535, { message: 'PORT must be an integer between 0 and 65535' })
  PORT?: number;

  @Transform(trim)
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'PUBLIC_URL must be an http(s) URL such as https://scim.example.com' },
  )
  PUBLIC_URL?: string;

  @Transform(trim)
  @IsOptional()
  @IsString()
  DATA_DIR?: string;

  @Transform(trim)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, {
    message: 'DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite file)',
  })
  DATABASE_URL?: string;

  @Transform(trim)
  @IsOptional()
  @Transform(({ value }) => (value === undefined ? undefined : Number(value)))
  @IsInt({ message: 'DATABASE_POOL_SIZE must be an integer between 1 and 100' })
  @Min(1, { message: 'DATABASE_POOL_SIZE must be an integer between 1 and 100' })
  @Max(100, { message: 'DATABASE_POOL_SIZE must be an integer between 1 and 100' })
  DATABASE_POOL_SIZE?: number;

  @Transform(trim)
  @IsOptional()
  @MinLength(32, {
    message: 'ADMIN_JWT_SECRET must be at least 32 characters (256 bits for HS256)',
  })
  ADMIN_JWT_SECRET?: string;

  @Transform(trim)
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['https', 'http'], require_protocol: true },
    { message: 'ADMIN_JWKS_URL must be an https URL of a JSON Web Key Set' },
  )
  ADMIN_JWKS_URL?: string;

  @Transform(trim)
  @IsOptional()
  @IsString()
  RECONCILE_CRON?: string;

  @Transform(trim)
  @IsOptional()
  @Transform(({ value }) => (value === undefined ? undefined : Number(value)))
  @IsInt({
    message: 'SCIM_RATE_LIMIT must be a whole number of requests per minute (0 turns it off)',
  })
  @Min(0, {
    message: 'SCIM_RATE_LIMIT must be a whole number of requests per minute (0 turns it off)',
  })
  SCIM_RATE_LIMIT?: number;

  @Transform(trim)
  @IsOptional()
  @Transform(({ value }) => (value === undefined ? undefined : Number(value)))
  @IsInt({
    message: 'ADMIN_RATE_LIMIT must be a whole number of requests per minute (0 turns it off)',
  })
  @Min(0, {
    message: 'ADMIN_RATE_LIMIT must be a whole number of requests per minute (0 turns it off)',
  })
  ADMIN_RATE_LIMIT?: number;

  @Transform(trim)
  @IsOptional()
  @Transform(({ value }) => (value === undefined ? undefined : Number(value)))
  @IsInt({ message: 'SCIM_BULK_MAX_OPERATIONS must be a whole number from 1 to 10000' })
  @Min(1, { message: 'SCIM_BULK_MAX_OPERATIONS must be a whole number from 1 to 10000' })
  @Max(10_000, { message: 'SCIM_BULK_MAX_OPERATIONS must be a whole number from 1 to 10000' })
  SCIM_BULK_MAX_OPERATIONS?: number;

  @Transform(trim)
  @IsOptional()
  @Transform(({ value }) => (value === undefined ? undefined : Number(value)))
  @IsInt({
    message: 'SCIM_BULK_MAX_PAYLOAD_BYTES must be a whole number of bytes from 1024 to 10485760',
  })
  @Min(1024, {
    message: 'SCIM_BULK_MAX_PAYLOAD_BYTES must be a whole number of bytes from 1024 to 10485760',
  })
  @Max(10_485_760, {
    message: 'SCIM_BULK_MAX_PAYLOAD_BYTES must be a whole number of bytes from 1024 to 10485760',
  })
  SCIM_BULK_MAX_PAYLOAD_BYTES?: number;

  @Transform(trim)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s,]+(,\s*https?:\/\/[^\s,]+)*$/, {
    message:
      'ADMIN_CORS_ORIGINS must be a comma-separated list of origins such as https://admin.example.com',
  })
  ADMIN_CORS_ORIGINS?: string;

  @Transform(trim)
  @IsOptional()
  @IsString()
  ADMIN_JWT_ISSUER?: string;

  @Transform(trim)
  @IsOptional()
  @IsString()
  ADMIN_JWT_AUDIENCE?: string;

  @Transform(trim)
  @IsOptional()
  @Matches(/^\d+\s*[smhd]?$/i, {
    message: 'ADMIN_JWT_MAX_TTL must be a duration such as 24h, 30m or 3600 (seconds)',
  })
  ADMIN_JWT_MAX_TTL?: string;

  @WholeNumber('HTTP_HEADERS_TIMEOUT_MS', 1000, 600_000, 'milliseconds')
  HTTP_HEADERS_TIMEOUT_MS?: number;

  @WholeNumber('HTTP_REQUEST_TIMEOUT_MS', 1000, 3_600_000, 'milliseconds')
  HTTP_REQUEST_TIMEOUT_MS?: number;

  @WholeNumber('HTTP_KEEP_ALIVE_TIMEOUT_MS', 1000, 600_000, 'milliseconds')
  HTTP_KEEP_ALIVE_TIMEOUT_MS?: number;

  @WholeNumber('DATABASE_STATEMENT_TIMEOUT_MS', 0, 600_000, 'milliseconds (0 turns it off)')
  DATABASE_STATEMENT_TIMEOUT_MS?: number;

  @WholeNumber('MAX_IN_FLIGHT_PER_CREDENTIAL', 1, 1000, 'requests')
  MAX_IN_FLIGHT_PER_CREDENTIAL?: number;

  @WholeNumber('EVENT_RETENTION_DAYS', 1, 3650, 'days')
  EVENT_RETENTION_DAYS?: number;

  @Transform(trim)
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'WEBHOOK_ALLOW_HTTP must be true or false' })
  WEBHOOK_ALLOW_HTTP?: string;

  @Transform(trim)
  @IsOptional()
  @Matches(/^[^\s,]+(\s*,\s*[^\s,]+)*$/, {
    message:
      'WEBHOOK_ALLOWED_PRIVATE_HOSTS must be a comma-separated list of host names or addresses',
  })
  WEBHOOK_ALLOWED_PRIVATE_HOSTS?: string;

  @Transform(trim)
  @IsOptional()
  @Matches(/^\d+(\.\d+)?\s*(ms|[smhd])?(\s*,\s*\d+(\.\d+)?\s*(ms|[smhd])?)*$/i, {
    message:
      'WEBHOOK_RETRY_SCHEDULE must be a comma-separated list of delays such as 0,5s,5m,30m,2h,5h,10h,10h',
  })
  WEBHOOK_RETRY_SCHEDULE?: string;

  @WholeNumber('WEBHOOK_TIMEOUT_MS', 100, 60_000, 'milliseconds')
  WEBHOOK_TIMEOUT_MS?: number;

  @Transform(trim)
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'WEBHOOK_DELIVERY must be true or false' })
  WEBHOOK_DELIVERY?: string;

  @Transform(trim)
  @IsOptional()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'], {
    message: 'LOG_LEVEL must be one of error, warn, log, debug, verbose',
  })
  LOG_LEVEL?: string;
}

export type DatabaseConfig =
  | { type: 'sqlite'; path: string }
  | { type: 'postgres'; url: string; poolSize: number; statementTimeoutMs: number };

/** The validated configuration every part of the service reads (never process.env directly). */
export class AppConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  readonly publicUrl: string;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly adminJwtSecret: string;
  readonly adminJwksUrl: string | undefined;
  readonly reconcileCron: string;
  /** Requests per minute per SCIM token, and per admin token (0: no limit). */
  readonly scimRateLimitPerMinute: number;
  readonly adminRateLimitPerMinute: number;
  /** RFC 7644 §3.7.4 limits of one Bulk request, advertised in ServiceProviderConfig. */
  readonly bulkMaxOperations: number;
  readonly bulkMaxPayloadBytes: number;
  /** Origins allowed to call the admin API from a browser (the console on its own origin). */
  readonly adminCorsOrigins: string[];
  readonly logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  /** Checked in admin JWTs when set (`iss`, `aud`); a JWT living longer than maxTtl is refused. */
  readonly adminJwtIssuer: string | undefined;
  readonly adminJwtAudience: string | undefined;
  readonly adminJwtMaxTtlSeconds: number;
  /** Node's HTTP server timeouts: slow or idle clients cannot hold connections open. */
  readonly http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
  /** How long one statement may run (PostgreSQL's statement_timeout; SQLite's readers); 0: no limit. */
  readonly statementTimeoutMs: number;
  /** Requests one credential may have in flight; more wait briefly, then 429. */
  readonly maxInFlightPerCredential: number;
  /** Events older than this many days are pruned by the scheduled job. */
  readonly eventRetentionDays: number;
  readonly webhooks: {
    /** http:// endpoint URLs allowed (never in production unless set). */
    allowHttp: boolean;
    /** Host names or addresses that may resolve to loopback, private or link-local addresses. */
    allowedPrivateHosts: string[];
    /** Delay before each attempt, in milliseconds; its length is the number of attempts. */
    retryScheduleMs: number[];
    timeoutMs: number;
    /** Whether this instance sends webhooks (a deployment may run the sender apart). */
    deliver: boolean;
  };

  constructor(values: Omit<AppConfig, 'scimEndpointUrl'>) {
    Object.assign(this, values);
  }

  /** The SCIM base URL that admins paste into their identity provider. */
  get scimEndpointUrl(): string {
    return `${this.publicUrl}/api/scim/v2`;
  }
}

export const ADMIN_JWT_SECRET_FILE = 'admin-jwt-secret';

/**
 * Reads and validates the environment. Throws ConfigError with one line naming the first bad
 * variable. Outside production a missing ADMIN_JWT_SECRET is generated once and kept in
 * DATA_DIR, readable by its owner alone, where the CLI finds the same secret.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = plainToInstance(EnvironmentVariables, { ...env }, { exposeDefaultValues: true });
  const errors = validateSync(parsed, { whitelist: false, stopAtFirstError: true });
  if (errors.length > 0) {
    const first = errors[0];
    const message = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    const shown = message.startsWith(first.property) ? message : `${first.property} ${message}`;
    // Never echo a secret's value (a log line is no place for it).
    const got = SECRET_VARIABLES.has(first.property)
      ? ''
      : ` (got ${JSON.stringify(String(env[first.property]))})`;
    throw new ConfigError(`${shown}${got}`);
  }

  const nodeEnv = (parsed.NODE_ENV ?? 'development') as AppConfig['nodeEnv'];
  const port = parsed.PORT ?? 3000;
  const publicUrl = (parsed.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const dataDir = resolve(parsed.DATA_DIR ?? './data');
  const reconcileCron = parsed.RECONCILE_CRON ?? '0 */15 * * * *';
  try {
    new CronTime(reconcileCron);
  } catch {
    throw new ConfigError(
      `RECONCILE_CRON must be a cron expression such as "0 */15 * * * *" (got ${JSON.stringify(reconcileCron)})`,
    );
  }
  if (parsed.DATA_DIR && !isAbsolute(parsed.DATA_DIR) && parsed.DATA_DIR.includes('\0')) {
    throw new ConfigError('DATA_DIR must be a directory path');
  }

  const database: DatabaseConfig = parsed.DATABASE_URL
    ? {
        type: 'postgres',
        url: parsed.DATABASE_URL,
        poolSize: parsed.DATABASE_POOL_SIZE ?? 10,
        statementTimeoutMs: parsed.DATABASE_STATEMENT_TIMEOUT_MS ?? 10_000,
      }
    : { type: 'sqlite', path: join(dataDir, 'scim.sqlite') };

  let adminJwtSecret = parsed.ADMIN_JWT_SECRET;
  if (!adminJwtSecret) {
    if (nodeEnv === 'production') {
      throw new ConfigError(
        'ADMIN_JWT_SECRET is required when NODE_ENV=production (at least 32 characters)',
      );
    }
    adminJwtSecret = readOrCreateSecret(dataDir, ADMIN_JWT_SECRET_FILE);
  }

  return new AppConfig({
    nodeEnv,
    port,
    publicUrl,
    dataDir,
    database,
    adminJwtSecret,
    adminJwksUrl: parsed.ADMIN_JWKS_URL,
    reconcileCron,
    scimRateLimitPerMinute: parsed.SCIM_RATE_LIMIT ?? 6000,
    adminRateLimitPerMinute: parsed.ADMIN_RATE_LIMIT ?? 600,
    bulkMaxOperations: parsed.SCIM_BULK_MAX_OPERATIONS ?? 1000,
    bulkMaxPayloadBytes: parsed.SCIM_BULK_MAX_PAYLOAD_BYTES ?? 1_048_576,
    adminCorsOrigins: (parsed.ADMIN_CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim().replace(/\/+$/, ''))
      .filter(Boolean),
    logLevel: (parsed.LOG_LEVEL ?? 'log') as AppConfig['logLevel'],
    adminJwtIssuer: parsed.ADMIN_JWT_ISSUER,
    adminJwtAudience: parsed.ADMIN_JWT_AUDIENCE,
    adminJwtMaxTtlSeconds: durationSeconds(parsed.ADMIN_JWT_MAX_TTL ?? '24h')!,
    http: {
      headersTimeoutMs: parsed.HTTP_HEADERS_TIMEOUT_MS ?? 10_000,
      requestTimeoutMs: parsed.HTTP_REQUEST_TIMEOUT_MS ?? 60_000,
      keepAliveTimeoutMs: parsed.HTTP_KEEP_ALIVE_TIMEOUT_MS ?? 5_000,
    },
    statementTimeoutMs: parsed.DATABASE_STATEMENT_TIMEOUT_MS ?? 10_000,
    maxInFlightPerCredential: parsed.MAX_IN_FLIGHT_PER_CREDENTIAL ?? 8,
    eventRetentionDays: parsed.EVENT_RETENTION_DAYS ?? 30,
    webhooks: {
      allowHttp: parsed.WEBHOOK_ALLOW_HTTP === 'true',
      allowedPrivateHosts: (parsed.WEBHOOK_ALLOWED_PRIVATE_HOSTS ?? '')
        .split(',')
        .map((host) => host.trim().toLowerCase())
        .filter(Boolean),
      retryScheduleMs: (parsed.WEBHOOK_RETRY_SCHEDULE ?? DEFAULT_RETRY_SCHEDULE)
        .split(',')
        .map(durationMs),
      timeoutMs: parsed.WEBHOOK_TIMEOUT_MS ?? 15_000,
      deliver: parsed.WEBHOOK_DELIVERY !== 'false',
    },
  });
}

function readOrCreateSecret(dataDir: string, fileName: string): string {
  const file = join(dataDir, fileName);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (existsSync(file)) {
      return readFileSync(file, 'utf8').trim();
    }
    const secret = randomBytes(48).toString('base64url');
    // 'wx' fails if another process created it first; then we read theirs.
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        return readFileSync(file, 'utf8').trim();
      }
      throw error;
    }
    chmodSync(file, 0o600);
    return secret;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `DATA_DIR ${JSON.stringify(dataDir)} is not writable: ${(error as Error).message}`,
    );
  }
}
