import { INestApplication, LoggerService } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig, signAdminJwt } from '@app/common';
import { createApp } from '../../apps/scim-server/src/bootstrap';

/** Every line the app logged, so tests can assert that no secret ever reaches a log. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private record(level: string, message: unknown, rest: unknown[]) {
    this.lines.push(
      `${level} ${[message, ...rest].map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ')}`,
    );
  }
  log(message: unknown, ...rest: unknown[]) {
    this.record('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.record('error', message, rest);
    // Errors stay visible in the test output.
    console.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.record('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.record('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.record('verbose', message, rest);
  }
}

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  http: ReturnType<typeof request>;
  dataSource: DataSource;
  logger: CapturingLogger;
  dataDir: string;
  engine: 'sqlite' | 'postgres';
  /** Raw SQL with PostgreSQL-style `$1` placeholders, rewritten for SQLite. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * The real application module over a real database: a fresh SQLite file per suite, or the
 * PostgreSQL database named by DATABASE_URL (CI makes a fresh one per run). Suites isolate
 * themselves by using companies of their own.
 */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    PUBLIC_URL: 'https://scim.test',
    LOG_LEVEL: 'log',
    // Suites send thousands of requests per token; rate limits are tested on their own.
    SCIM_RATE_LIMIT: '0',
    ADMIN_RATE_LIMIT: '0',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    ...env,
  });
  const logger = new CapturingLogger();
  const app = await createApp(config, logger);
  await app.init();
  return {
    app,
    config,
    http: request(app.getHttpServer()),
    dataSource: app.get(DataSource),
    logger,
    dataDir,
    engine: config.database.type,
    query(sql, params) {
      const text = config.database.type === 'sqlite' ? sql.replace(/\$\d+/g, '?') : sql;
      return app.get(DataSource).query(text, params);
    },
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type Role = 'owner' | 'admin' | 'member';

/** Mints an admin JWT as the platform would, for the given companies and roles. */
export function adminJwt(
  config: AppConfig,
  companies: { id: string; name?: string; role?: Role }[],
  options: { sub?: string; ttlSeconds?: number; secret?: string } = {},
): Promise<string> {
  return signAdminJwt(
    new TextEncoder().encode(options.secret ?? config.adminJwtSecret),
    {
      sub: options.sub ?? 'admin-user-1',
      email: 'admin@example.com',
      companies: companies.map((company) => ({
        id: company.id,
        name: company.name ?? `Company ${company.id}`,
        role: company.role ?? 'admin',
      })),
    },
    options.ttlSeconds ?? 600,
  );
}
