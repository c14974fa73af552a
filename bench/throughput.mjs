// Issue 16's measurement, as users run the service: the service in its own process (seeded,
// production logging on: NODE_ENV=production and the request log to a pipe this process
// drains; rate limits off), the bare NestJS route in a second process (measured before and
// after, averaged), autocannon here in a third; 10 connections, DURATION seconds each, after
// WARMUP seconds (default 3) of each server unrecorded.
// `node bench/throughput.mjs [users...]` (default 10000 100000); DATABASE_URL=postgres://...
// for PostgreSQL (each dataset in a database made afresh on that server). Writes
// bench/results/throughput-<engine>-<users>.json.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtHarness, machineInfo, startProductionServer } from './bench-server.mjs';
import { deactivations, measureRate, stopServer, userCreations } from './scenarios.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DURATION = Number(process.env.DURATION ?? 8);
const WARMUP = Number(process.env.WARMUP ?? 3);
const datasets = process.argv.slice(2).map(Number);
if (datasets.length === 0) datasets.push(10_000, 100_000);
const PORT = 3100;
const BARE_PORT = 3101;

function startBare() {
  return new Promise((done, fail) => {
    const bare = builtHarness('bare');
    const child = spawn(process.execPath, bare.args, {
      cwd: root,
      env: { ...process.env, ...bare.env, BARE_PORT: String(BARE_PORT) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', () => {
      child.stdout.resume();
      done(child);
    });
    child.on('exit', (code) => fail(new Error(`bare route exited ${code}`)));
  });
}

const measure = (name, options) => measureRate(name, { duration: DURATION, ...options });

async function run(users) {
  const bareChild = await startBare();
  const { child, info } = await startProductionServer({
    users,
    port: PORT,
    label: `throughput_${users}`,
  });
  const url = `http://127.0.0.1:${PORT}`;
  const headers = () => ({
    authorization: `Bearer ${info.token}`,
    'content-type': 'application/scim+json',
  });
  const get = (path) => [{ setupRequest: (r) => ({ ...r, path: path(), headers: headers() }) }];
  let n = 0;
  const sample = () => info.sampleIds[n++ % info.sampleIds.length];
  const userName = (i) => `user${i}@bench.example.com`;
  const bareUrl = `http://127.0.0.1:${BARE_PORT}/bare`;
  const getById = get(() => `/api/scim/v2/Users/${sample()}`);
  try {
    // Both servers warm first, as a server that has been running is (the JIT, pg's pool and
    // its prepared statements): WARMUP seconds of the bare route and of a GET by id, not
    // recorded. Without it the first operation measured paid for the warming.
    if (WARMUP > 0) {
      await measure('(warm-up) bare NestJS route', { url: bareUrl, duration: WARMUP });
      await measure('(warm-up) GET /Users/{id}', { url, requests: getById, duration: WARMUP });
    }
    const rows = [];
    const bareBefore = await measure('bare NestJS route (before)', { url: bareUrl });
    rows.push(
      await measure('GET /Users/{id}', { url, requests: getById }),
      await measure('filter userName eq', {
        url,
        requests: get(
          () =>
            `/api/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName((n++ * 7919) % users)}"`)}`,
        ),
      }),
      await measure('100-user page, first', {
        url,
        requests: get(() => '/api/scim/v2/Users?startIndex=1&count=100'),
      }),
      await measure('100-user page, deep', {
        url,
        requests: get(() => `/api/scim/v2/Users?startIndex=${users - 99}&count=100`),
      }),
      await measure('POST /Users', { url, requests: userCreations(`tp${Date.now()}-`, headers) }),
      await measure('PATCH active (deactivate)', {
        url,
        requests: deactivations(info.sampleIds, headers),
      }),
    );
    const bareAfter = await measure('bare NestJS route (after)', { url: bareUrl });
    const bare = (bareBefore.rps + bareAfter.rps) / 2;
    for (const row of rows) row.ratio = +(row.rps / bare).toFixed(3);
    console.table(
      rows.map(({ name, rps, ratio, p99, errors }) => ({ name, rps, ratio, p99, errors })),
    );
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(root, 'bench', 'results', `throughput-${info.engine}-${users}.json`),
      JSON.stringify(
        {
          machine: machineInfo(),
          date: new Date().toISOString(),
          engine: info.engine,
          users,
          durationSeconds: DURATION,
          warmupSeconds: WARMUP,
          bare: { before: bareBefore.rps, after: bareAfter.rps, average: Math.round(bare) },
          rows,
        },
        null,
        2,
      ),
    );
  } finally {
    await stopServer(child);
    await stopServer(bareChild);
  }
}

for (const users of datasets) await run(users);
