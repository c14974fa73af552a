// Tenant isolation (issue 12): company A holds USERS users (100,000 by default) and sends ten
// concurrent worst-case requests that its filters allow; company B, small, reads one user by
// id over and over. Records B's latency (median, p99) alone and under A's load, the longest
// /healthz answer (an upper bound on how long the event loop was held), and A's own answers.
// The server is bench/server.ts in its own process; this process is the load. Loopback only;
// it stops by itself after DURATION seconds.
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { builtHarness } from './bench-server.mjs';

// FLOOD=1: instead, SCIM_RATE_LIMIT is 600 per minute and company A floods with 48
// connections of its limited token; B sends a request every 150 ms (inside its own limit).
const FLOOD = process.env.FLOOD === '1';
const USERS = Number(process.env.USERS ?? (FLOOD ? 10_000 : 100_000));
const DURATION = Number(process.env.DURATION ?? 20);
const PORT = 3190;
const base = `http://127.0.0.1:${PORT}/api/scim/v2`;

const harness = builtHarness('server');
const server = spawn(process.execPath, harness.args, {
  env: {
    ...process.env,
    ...harness.env,
    ...(FLOOD ? { BENCH_SCIM_RATE_LIMIT: '600' } : {}),
    USERS: String(USERS),
    SECOND_COMPANY: '1',
    PORT: String(PORT),
    BARE_PORT: '3191',
    NODE_ENV: 'production',
    ADMIN_JWT_SECRET: 'x'.repeat(48),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
// The server goes with this process, however it ends.
process.on('exit', () => server.kill('SIGKILL'));
const info = await new Promise((resolve, reject) => {
  let text = '';
  server.stdout.on('data', (chunk) => {
    text += chunk;
    // Only whole lines: the ready line is long and arrives in several chunks.
    const line = text
      .split('\n')
      .slice(0, -1)
      .find((l) => l.includes('"ready":true'));
    if (line) resolve(JSON.parse(line));
  });
  server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
});

const get = async (path, token) => {
  const started = performance.now();
  const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status };
};
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const neighbour = async (seconds) => {
  const until = Date.now() + seconds * 1000;
  const ms = [];
  while (Date.now() < until) {
    ms.push((await get(`/Users/${info.second.userId}`, info.second.token)).ms);
    if (FLOOD) await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return { requests: ms.length, medianMs: quantile(ms, 0.5), p99Ms: quantile(ms, 0.99) };
};
const health = async (seconds) => {
  const until = Date.now() + seconds * 1000;
  let max = 0;
  while (Date.now() < until) {
    const started = performance.now();
    await fetch(`http://127.0.0.1:${PORT}/healthz`).then((r) => r.arrayBuffer());
    max = Math.max(max, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return max;
};

// What A may send that costs the most: value filters on a side table (the 150-term
// filter), a substring scan, the most unindexed comparisons the budget allows, a sort on an
// unindexed attribute, and a deep page.
const worst = [
  `/Users?count=1&filter=${encodeURIComponent(Array.from({ length: 150 }, (_, i) => `groups[value eq "${i}"]`).join(' or '))}`,
  `/Users?count=1&filter=${encodeURIComponent('userName co "zzz"')}`,
  `/Users?count=1&filter=${encodeURIComponent(Array.from({ length: Math.min(16, Math.floor(500_000 / (USERS + 1000))) }, (_, i) => `name.familyName eq "F${i}"`).join(' or '))}`,
  `/Users?count=100&sortBy=name.familyName`,
  `/Users?count=100&startIndex=${USERS - 200}`,
];
const single = {};
for (const path of FLOOD ? [] : worst) {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await get(path, info.token));
  single[path.slice(0, 60)] = {
    status: runs[0].status,
    ms: quantile(
      runs.map((r) => r.ms),
      0.5,
    ),
  };
}

const alone = await neighbour(5);
const healthAlone = await health(3);
let stop = false;
const attackers = Array.from({ length: FLOOD ? 48 : 10 }, async (_, n) => {
  const statuses = {};
  for (let i = n; !stop; i++) {
    const { status } = await get(FLOOD ? '/Users?count=1' : worst[i % worst.length], info.token);
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  return statuses;
});
const [underLoad, healthLoaded] = await Promise.all([neighbour(DURATION), health(DURATION)]);
stop = true;
const attackerStatuses = (await Promise.all(attackers)).reduce((all, s) => {
  for (const [k, v] of Object.entries(s)) all[k] = (all[k] ?? 0) + v;
  return all;
}, {});
server.kill('SIGTERM');

const result = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  engine: info.engine,
  scenario: FLOOD ? 'flood of one limited token (48 connections)' : 'ten concurrent worst cases',
  usersInA: USERS,
  worstCaseSingle: single,
  neighbourAlone: alone,
  neighbourUnderLoad: underLoad,
  healthzMaxMsAlone: healthAlone,
  healthzMaxMsUnderLoad: healthLoaded,
  attackerStatuses,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  join('bench/results', `isolation-${FLOOD ? 'flood-' : ''}${info.engine}-${USERS}.json`),
  `${JSON.stringify(result, null, 2)}\n`,
);
console.log(JSON.stringify(result, null, 2));
process.exit(0);
