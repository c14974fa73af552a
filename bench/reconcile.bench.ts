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
import { asCompanyId, loadConfig, signAdminJwt } from '@app/common';
import { ReconciliationService } from '@app/reconciliation';
import { createApp } from '../apps/scim-server/src/bootstrap';
import { seedUsers, setUpScimCompany } from './seed';

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
  await setUpScimCompany(base.replace('[::1]', '127.0.0.1'), admin, companyId);
  // Stale on purpose: the IdP says active, the member's access was removed outside SCIM.
  await seedUsers(dataSource, companyId, N, {
    userNamePrefix: 'member',
    memberStatus: 'suspended',
  });

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
