/**
 * What the kept-drift triggers (migration 1733200000000) cost a SCIM write, on their own: the
 * same writes one at a time, with the triggers and then after dropping them, at USERS users
 * (default 10,000). Each phase is ROUNDS (default 400) deactivating PATCHes of distinct users,
 * then as many POSTs; the median and p90 latency of each, on loopback, the service in this
 * process. Run:
 * `node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/drift-triggers.bench.ts`
 * (DATABASE_URL=postgres://... on an empty database for PostgreSQL). Writes
 * bench/results/drift-triggers-<engine>-N.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchOnce as fetch, machine, startInProcess } from './in-process';
import { seedUsers } from './seed';

const N = Number(process.env.USERS ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 400);
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

const TRIGGERS: Record<'postgres' | 'sqlite', string[]> = {
  postgres: [
    'DROP TRIGGER "TR_members_drift" ON "members"',
    'DROP TRIGGER "TR_scim_users_drift" ON "scim_users"',
  ],
  sqlite: [
    'DROP TRIGGER "TR_members_drift"',
    'DROP TRIGGER "TR_scim_users_drift_insert"',
    'DROP TRIGGER "TR_scim_users_drift_update"',
    'DROP TRIGGER "TR_scim_users_drift_delete"',
  ],
};

async function main() {
  const { config, app, dataSource, companyId, base, token } = await startInProcess('drift');
  const engine = config.database.type === 'postgres' ? 'postgres' : 'sqlite';
  const ids = await seedUsers(dataSource, companyId, N);
  if (engine === 'postgres') await dataSource.query('VACUUM ANALYZE');
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };
  let next = 0;
  const timed = async (send: () => Promise<Response>) => {
    const started = process.hrtime.bigint();
    const response = await send();
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const summary = (times: number[]) => {
    const sorted = [...times].sort((a, b) => a - b);
    const at = (q: number) => Math.round(sorted[Math.floor(q * (sorted.length - 1))] * 100) / 100;
    return { medianMs: at(0.5), p90Ms: at(0.9) };
  };
  const phase = async () => {
    const patches: number[] = [];
    const posts: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const id = ids[next++ % ids.length];
      patches.push(
        await timed(() =>
          fetch(`${base}/api/scim/v2/Users/${id}`, {
            method: 'PATCH',
            headers,
            body: JSON.stringify({
              schemas: [PATCH_OP],
              Operations: [{ op: 'replace', path: 'active', value: false }],
            }),
          }),
        ),
      );
    }
    for (let i = 0; i < ROUNDS; i++) {
      posts.push(
        await timed(() =>
          fetch(`${base}/api/scim/v2/Users`, {
            method: 'POST',
            headers,
            body: JSON.stringify({
              schemas: [USER],
              userName: `drift${next++}@bench.example.com`,
              emails: [{ value: `drift${next}@bench.example.com`, primary: true }],
            }),
          }),
        ),
      );
    }
    return { patch: summary(patches), post: summary(posts) };
  };

  await phase(); // warm-up: statements prepared, caches filled
  // Twice with the triggers: how far two phases of the same code differ is the noise floor.
  const withTriggers = [await phase(), await phase()];
  for (const statement of TRIGGERS[engine]) await dataSource.query(statement);
  const withoutTriggers = await phase();
  const result = {
    machine: machine(),
    engine,
    users: N,
    rounds: ROUNDS,
    withTriggers,
    withoutTriggers,
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results', `drift-triggers-${engine}-${N}.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  await app.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
