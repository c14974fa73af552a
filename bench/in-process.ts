/**
 * The service in this process for the single-request benchmarks (console-api, filters): a
 * company set up through the admin API, its SCIM token, and timing helpers.
 */
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { asCompanyId, loadConfig, signAdminJwt } from '@app/common';
import { createApp } from '../apps/scim-server/src/bootstrap';
import { setUpScimCompany } from './seed';

/** fetch, once more if the kept-alive connection was closed while a seed ran. */
export const fetchOnce: typeof globalThis.fetch = async (input, init) => {
  try {
    return await globalThis.fetch(input, init);
  } catch {
    return globalThis.fetch(input, init);
  }
};

export async function startInProcess(label: string) {
  const config = loadConfig({
    ...process.env,
    DATA_DIR: mkdtempSync(join(tmpdir(), `scim-${label}-bench-`)),
    LOG_LEVEL: 'error',
    ADMIN_RATE_LIMIT: '0',
    SCIM_RATE_LIMIT: '0',
  });
  const app = await createApp(config);
  await app.init();
  const dataSource = app.get(DataSource);
  const companyId = asCompanyId(`bench-${label}-${Date.now()}`);
  const admin = await signAdminJwt(
    new TextEncoder().encode(config.adminJwtSecret),
    { sub: 'bench', companies: [{ id: companyId, name: 'Bench', role: 'owner' }] },
    3600,
  );
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const token = await setUpScimCompany(base, admin, companyId);
  return { config, app, dataSource, companyId, admin, base, token };
}

/** The median of five timings after one warm-up, in ms to a tenth. */
export async function medianMs(request: () => Promise<unknown>): Promise<number> {
  await request();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = process.hrtime.bigint();
    await request();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[2] * 10) / 10;
}

export function machine() {
  return {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}
