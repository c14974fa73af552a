// The outbox's cost on writes (issue 13): POST /Users, the deactivating PATCH and a
// 10,000-member add, measured on the tree before the outbox and on this one, alternately,
// in one run, with the bare NestJS route measured beside each (ratios compare within a run).
// `node bench/outbox.mjs <tree before the outbox>`; PostgreSQL too when DATABASE_URL names a
// server (a fresh database is made per run). Writes bench/results/outbox.json.
import autocannon from 'autocannon';
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshPostgresDatabase } from './bench-server.mjs';
import { deactivations, median, patchOp, stopServer, userCreations } from './scenarios.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const before = resolve(process.argv[2] ?? '');
const DURATION = Number(process.env.DURATION ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const USERS = 10_000;
const PORT = 3100;
const BARE_PORT = 3101;
const pg = process.env.DATABASE_URL;

// A receiver on 127.0.0.1 for the variant with a webhook endpoint: answers 204 at once.
let received = 0;
const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    received++;
    response.writeHead(204).end();
  });
});
await new Promise((ready) => receiver.listen(0, '127.0.0.1', ready));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

async function load(name, options) {
  const result = await autocannon({ connections: 10, duration: DURATION, ...options });
  return {
    name,
    rps: Math.round(result.requests.average),
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

let databases = 0;
async function measure(tree, engine, variant) {
  const { startServer, machineInfo } = await import(
    pathToFileURL(join(tree, 'bench', 'bench-server.mjs'))
  );
  const env = { DATABASE_URL: '', BENCH_WEBHOOK_URL: '' };
  if (engine === 'postgres') {
    env.DATABASE_URL = freshPostgresDatabase(pg, `outbox_${process.pid}_${databases++}`);
  }
  if (variant === 'with a webhook endpoint') {
    Object.assign(env, {
      BENCH_WEBHOOK_URL: hookUrl,
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_PRIVATE_HOSTS: '127.0.0.1',
    });
  }
  const { child, info } = await startServer({
    users: USERS,
    groupSizes: [10_000],
    port: PORT,
    barePort: BARE_PORT,
    env,
  });
  const base = `http://127.0.0.1:${PORT}/api/scim/v2`;
  const headers = () => ({
    authorization: `Bearer ${info.token}`,
    'content-type': 'application/scim+json',
  });
  try {
    // The bare route before and after the writes, averaged: on a shared machine one
    // measurement of it can swing by a third.
    const bareBefore = await load('bare', { url: `http://127.0.0.1:${BARE_PORT}/bare` });
    const post = await load('POST /Users', {
      url: base,
      requests: userCreations('outbox', headers),
    });
    const patch = await load('PATCH deactivate', {
      url: base,
      requests: deactivations(info.sampleIds, headers),
    });
    const group = await fetch(`${base}/Groups`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Outbox target',
      }),
    }).then((r) => r.json());
    const members = await fetch(`${base}/Groups/${info.groups[10_000]}?attributes=members`, {
      headers: headers(),
    }).then((r) => r.json());
    const started = process.hrtime.bigint();
    const add = await fetch(`${base}/Groups/${group.id}`, {
      method: 'PATCH',
      headers: headers(),
      body: JSON.stringify(
        patchOp({
          op: 'add',
          path: 'members',
          value: members.members.map((m) => ({ value: m.value })),
        }),
      ),
    });
    const addMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (add.status !== 204) throw new Error(`10,000-member add: HTTP ${add.status}`);
    const bareAfter = await load('bare', { url: `http://127.0.0.1:${BARE_PORT}/bare` });
    const bare = { rps: Math.round((bareBefore.rps + bareAfter.rps) / 2) };
    const row = {
      tree: tree === root ? 'with the outbox' : 'before the outbox',
      engine,
      variant,
      bare: bare.rps,
      post: post.rps,
      postRatio: +(post.rps / bare.rps).toFixed(3),
      postP99: post.p99,
      patch: patch.rps,
      patchRatio: +(patch.rps / bare.rps).toFixed(3),
      patchP99: patch.p99,
      add10000Ms: Math.round(addMs),
      errors: post.errors + patch.errors,
    };
    console.log(JSON.stringify(row));
    return { row, machine: machineInfo() };
  } finally {
    await stopServer(child);
  }
}

const rows = [];
let machine;
for (const engine of pg ? ['sqlite', 'postgres'] : ['sqlite']) {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [tree, variant] of [
      [before, 'no endpoint'],
      [root, 'no endpoint'],
      [root, 'with a webhook endpoint'],
    ]) {
      const result = await measure(tree, engine, variant);
      rows.push(result.row);
      machine = result.machine;
    }
  }
}
receiver.close();

// The median of the rounds, per engine, tree and variant: what RESULTS.md quotes.
const summary = [];
for (const row of rows) {
  const same = (r) => r.engine === row.engine && r.tree === row.tree && r.variant === row.variant;
  if (summary.some(same)) continue;
  const group = rows.filter(same);
  const of = (key) => median(group.map((r) => r[key]));
  summary.push({
    engine: row.engine,
    tree: row.tree,
    variant: row.variant,
    rounds: group.length,
    postRatio: of('postRatio'),
    patchRatio: of('patchRatio'),
    post: of('post'),
    patch: of('patch'),
    add10000Ms: of('add10000Ms'),
  });
}
console.table(summary);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'outbox.json'),
  JSON.stringify(
    {
      machine,
      date: new Date().toISOString(),
      users: USERS,
      durationSeconds: DURATION,
      connections: 10,
      webhookDeliveries: received,
      summary,
      rows,
    },
    null,
    2,
  ),
);
