import { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig, signAdminJwt } from '@app/common';
import { createApp } from '../../apps/scim-server/src/bootstrap';

/**
 * Every line the service logged (pino's JSON lines), so tests can assert that no secret ever
 * reaches a log. One per test file: the service's pino logger is one per process (nestjs-pino
 * keeps its root logger in the module), so every app a file starts writes here.
 */
export class CapturingLogger {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line.trimEnd());
    // Errors stay visible in the test output.
    if ((JSON.parse(line) as { level: number }).level >= 50) console.error(line.trimEnd());
  }
  /** The lines as objects. */
  entries(): ReturnType<typeof JSON.parse>[] {
    return this.lines.map((line) => JSON.parse(line));
  }
}
const capture = new CapturingLogger();

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
  const logger = capture;
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
