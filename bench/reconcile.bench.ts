/**
 * Reconciliation benchmark: a company with N provisioned members (default 100,000), every one
 * made stale outside SCIM (access removed), then one repair pass. Records wall time and peak
 * heap. Run: `node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/reconcile.bench.ts`
 * (or with --expose-gc for a tighter heap baseline). Writes bench/results/reconcile-N.json.
 */
import 'reflect-metadata';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { asCompanyId, loadConfig, signAdminJwt } from '@app/common';
import { ReconciliationService } from '@app/reconciliation';
import { foldCase } from '@app/scim-protocol';
import { createApp } from '../apps/scim-server/src/bootstrap';

const N = Number(process.env.MEMBERS ?? 100_000);

async function main() {
  const config = loadConfig({
    ...process.env,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'scim-reconcile-')),
    LOG_LEVEL: 'error',
  });
  const app = await createApp(config);
  await app.init();
  const dataSource = app.get(DataSource);
  const companyId = asCompanyId('bench-reconcile');
  const admin = await signAdminJwt(
    new TextEncoder().encode(config.adminJwtSecret),
    { sub: 'bench', companies: [{ id: companyId, name: 'Bench', role: 'owner' }] },
    3600,
  );
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`.replace('[::1]', '127.0.0.1'), {
      method,
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json());
  await call('PUT', `/api/companies/${companyId}/sso`, {
    protocol: 'saml',
    entityId: 'bench',
    ssoUrl: 'https://idp.example.com/sso',
    scimEnabled: true,
  });
  await call('POST', `/api/companies/${companyId}/scim/tokens`, { label: 'bench' });

  const now = Date.now();
  for (let start = 0; start < N; start += 500) {
    const users: Record<string, unknown>[] = [];
    const members: Record<string, unknown>[] = [];
    for (let i = start; i < Math.min(N, start + 500); i++) {
      const id = uuidv7();
      const userName = `member${i}@bench.example.com`;
      users.push({
        id,
        companyId,
        userName,
        userNameKey: foldCase(userName),
        externalId: null,
        displayNameKey: null,
        active: true,
        linkEmailKey: foldCase(userName),
        document: { userName },
        searchDocument: JSON.stringify({ userName }),
        version: 1,
        createdAt: now,
        updatedAt: now,
      });
      // Stale on purpose: the IdP says active, the member's access was removed outside SCIM.
      members.push({
        id: uuidv7(),
        companyId,
        email: userName,
        emailKey: foldCase(userName),
        role: 'member',
        status: 'suspended',
        source: 'scim',
        managed: true,
        scimUserId: id,
        createdAt: now,
        updatedAt: now,
      });
    }
    await dataSource.transaction(async (manager) => {
      await manager.createQueryBuilder().insert().into('scim_users').values(users).execute();
      await manager.createQueryBuilder().insert().into('members').values(members).execute();
    });
  }

  global.gc?.();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
  const started = process.hrtime.bigint();
  const run = await app.get(ReconciliationService).run(companyId, 'manual', 'repair', 'bench');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  const second = await app.get(ReconciliationService).run(companyId, 'manual', 'repair', 'bench');

  const result = {
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    date: new Date().toISOString(),
    engine: config.database.type,
    members: N,
    run: { status: run.status, staleFound: run.staleFound, fixed: run.fixed },
    seconds: Math.round(seconds * 10) / 10,
    peakHeapMiB: Math.round((peak / 2 ** 20) * 10) / 10,
    heapGrowthMiB: Math.round(((peak - baseline) / 2 ** 20) * 10) / 10,
    secondRunFixed: second.fixed,
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', `reconcile-${N}.json`), JSON.stringify(result, null, 2));
  await app.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
