/**
 * The admin API as the console calls it, at N members (default 100,000): each request a view
 * makes, median of 5 after one warm-up, on loopback. The issue's target: every one under
 * 50 ms at 100,000 members, on both engines. Run:
 * `node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/console-api.bench.ts`
 * (DATABASE_URL=postgres://... for PostgreSQL). Writes bench/results/console-api-<engine>-N.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rawQuery } from '@app/common';
import { ProvisioningLogService } from '@app/sync-status';
import { fetchOnce as fetch, machine, medianMs, startInProcess } from './in-process';
import { seedUsers } from './seed';

const N = Number(process.env.MEMBERS ?? 100_000);
const STALE = 200;

async function main() {
  const { config, app, dataSource, companyId, admin, base, token } =
    await startInProcess('console');
  const ids = await seedUsers(dataSource, companyId, N, { userNamePrefix: 'member' });
  // Some drift: members whose access was removed outside SCIM.
  for (let i = 0; i < STALE; i += 100) {
    const batch = ids.slice(i * 100, i * 100 + 100);
    await rawQuery(
      dataSource,
      `UPDATE "members" SET "status" = 'suspended' WHERE "companyId" = $1 AND "scimUserId" IN (${batch.map((_, j) => `$${j + 2}`).join(', ')})`,
      [companyId, ...batch],
    );
  }
  // Some activity: 2,000 SCIM requests (reads and writes).
  for (let i = 0; i < 500; i++) {
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };
    await (await fetch(`${base}/api/scim/v2/Users/${ids[i]}`, { headers })).arrayBuffer();
    const patched = await fetch(`${base}/api/scim/v2/Users/${ids[i]}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'title', value: `t${i}` }],
      }),
    });
    await patched.arrayBuffer();
  }
  await app.get(ProvisioningLogService).flush();
  // The first read after the seed evaluates every member's drift once (timed on its own).
  const first = process.hrtime.bigint();
  const settled = await fetch(`${base}/api/companies/${companyId}/scim/status`, {
    headers: { Authorization: `Bearer ${admin}` },
  });
  await settled.arrayBuffer();
  const firstStatusMs = Number(process.hrtime.bigint() - first) / 1e6;
  console.log(`first status card (every member evaluated) ${firstStatusMs.toFixed(0)} ms`);
  // PostgreSQL as autovacuum leaves it (statistics current, visibility map set); VACUUM=0
  // measures the freshly written tables instead.
  if (config.database.type === 'postgres' && process.env.VACUUM !== '0')
    await dataSource.query('VACUUM ANALYZE');

  const get = async (path: string) => {
    const response = await fetch(`${base}/api/companies/${companyId}${path}`, {
      headers: { Authorization: `Bearer ${admin}` },
    });
    const body = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  };
  const deepCursor = Buffer.from(`member${Math.floor(N * 0.99)}@bench.example.com`).toString(
    'base64url',
  );
  const requests: [string, string][] = [
    ['status card', '/scim/status'],
    ['members, first page', '/members?limit=50'],
    ['members, page after 99% (cursor)', `/members?limit=50&after=${deepCursor}`],
    ['members, offset 99%', `/members?limit=50&offset=${Math.floor(N * 0.99)}`],
    ['members, stale=true', '/members?limit=50&stale=true'],
    ['members, search by email start', '/members?limit=50&search=member777'],
    ['members, status=suspended', '/members?limit=50&status=suspended'],
    ['activity, first page', '/scim/activity?limit=50'],
    ['activity, failures only', '/scim/activity?limit=50&outcome=failure'],
    ['activity, one person', '/scim/activity?limit=50&email=member7@bench.example.com'],
    ['access policy', '/scim/access'],
    ['group suggestions', '/scim/groups?search=a'],
    ['reconciliation history', '/scim/reconciliations'],
    ['reconcile preview', '/scim/reconcile/preview?limit=50'],
    ['audit log', '/audit-events?limit=50'],
  ];
  const results: { request: string; path: string; medianMs: number }[] = [];
  for (const [request, path] of requests) {
    const median = await medianMs(() => get(path));
    results.push({ request, path, medianMs: median });
    console.log(`${request.padEnd(36)} ${median.toFixed(1).padStart(8)} ms`);
  }
  const result = {
    machine: machine(),
    date: new Date().toISOString(),
    engine: config.database.type,
    members: N,
    stale: STALE,
    vacuumed: config.database.type === 'postgres' && process.env.VACUUM !== '0',
    firstStatusMs: Math.round(firstStatusMs),
    results,
  };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results', `console-api-${config.database.type}-${N}.json`),
    JSON.stringify(result, null, 2),
  );
  await app.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
