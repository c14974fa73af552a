/**
 * The benchmark's server process: the real service (SQLite in a temporary DATA_DIR, or the
 * PostgreSQL of DATABASE_URL) on one port and a bare NestJS route on another, in one process,
 * so that the ratio to the bare route measures what this service adds. Seeds a company with
 * USERS users (and optionally groups; see seed.ts), then prints one JSON line with what the load generator needs.
 */
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig, signAdminJwt } from '@app/common';
import { PlatformKeysService } from '@app/events';
import { createApp } from '../apps/scim-server/src/bootstrap';
import { listenBare } from './bare';
import { seedGroup, seedUsers, setUpScimCompany } from './seed';

const USERS = Number(process.env.USERS ?? 10_000);
/** Users beyond USERS, in no group: the members the group benchmarks add and remove. */
const SPARE_USERS = 1_000;
const GROUP_SIZES = (process.env.GROUP_SIZES ?? '').split(',').filter(Boolean).map(Number);

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-bench-'));
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    // BENCH_LOG_LEVEL=log measures with the request log on (what production runs).
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
    PORT: process.env.PORT ?? '0',
    // Throughput is measured here, not throttling: no rate limit (the isolation benchmark's
    // flood sets one).
    SCIM_RATE_LIMIT: process.env.BENCH_SCIM_RATE_LIMIT ?? '0',
    ADMIN_RATE_LIMIT: '0',
  });
  const app = await createApp(config);
  await app.listen(Number(process.env.PORT ?? 3100), '127.0.0.1');
  // BARE_PORT=0: the bare route runs in a process of its own (bench/bare.ts; throughput.mjs).
  if (process.env.BARE_PORT !== '0') {
    await listenBare(Number(process.env.BARE_PORT ?? 3101));
  }

  // BENCH_JOIN=1: one more instance of a deployment whose first instance seeded the database
  // (bench/load.mjs with INSTANCES): it serves, and seeds nothing.
  if (process.env.BENCH_JOIN === '1') {
    process.stdout.write(`${JSON.stringify({ ready: true, engine: config.database.type })}\n`);
    return;
  }
  const base = `http://127.0.0.1:${process.env.PORT ?? 3100}`;
  const companyId = 'bench-co';
  const admin = await signAdminJwt(
    new TextEncoder().encode(config.adminJwtSecret),
    { sub: 'bench', companies: [{ id: companyId, name: 'Bench', role: 'owner' }] },
    86400,
  );
  const token = await setUpScimCompany(base, admin, companyId);

  const dataSource = app.get(DataSource);
  // A second, small company (before the long seeding, while connections are fresh): the
  // neighbour whose latency the isolation benchmark watches.
  let second: { token: string; userId: string } | undefined;
  if (process.env.SECOND_COMPANY) {
    const secondAdmin = await signAdminJwt(
      new TextEncoder().encode(config.adminJwtSecret),
      { sub: 'bench-b', companies: [{ id: 'bench-b', name: 'Bench B', role: 'owner' }] },
      86400,
    );
    const secondToken = await setUpScimCompany(base, secondAdmin, 'bench-b');
    const [userId] = await seedUsers(dataSource, 'bench-b', 10, { userNamePrefix: 'b' });
    second = { token: secondToken, userId };
  }
  // BENCH_WEBHOOK_URL: one webhook endpoint subscribed to every event of the company, so the
  // figures include queuing and sending deliveries (the outbox benchmark's third variant).
  if (process.env.BENCH_WEBHOOK_URL) {
    const key = await app.get(PlatformKeysService).create('bench', 'bench');
    const response = await fetch(`${base}/api/platform/webhook-endpoints`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: process.env.BENCH_WEBHOOK_URL, companyId }),
    });
    if (response.status !== 201) throw new Error(`webhook endpoint: HTTP ${response.status}`);
  }
  const started = Date.now();
  const all = await seedUsers(dataSource, companyId, USERS + SPARE_USERS);
  const ids = all.slice(0, USERS);
  const groups: Record<string, string> = {};
  for (const size of GROUP_SIZES)
    groups[size] = await seedGroup(dataSource, companyId, `Group of ${size}`, ids.slice(0, size));
  await dataSource.query(
    `UPDATE "scim_resource_counts" SET "groups" = ${GROUP_SIZES.length} WHERE "companyId" = 'bench-co'`,
  );
  // PostgreSQL as autovacuum soon leaves a table this size: statistics current.
  // The seed's pages written out now, not by a checkpoint during the first measurement (on
  // SQLite, the write that finds the seed's whole WAL waiting would copy it into the database).
  if (config.database.type === 'postgres') {
    await dataSource.query('VACUUM ANALYZE');
    await dataSource.query('CHECKPOINT');
  } else {
    await dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
  }
  const seedSeconds = (Date.now() - started) / 1000;

  process.stdout.write(
    `${JSON.stringify({ ready: true, token, users: USERS, sampleIds: ids.filter((_, i) => i % Math.max(1, Math.floor(USERS / 1000)) === 0), groups, spareIds: all.slice(USERS), seedSeconds, engine: config.database.type, second })}\n`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
