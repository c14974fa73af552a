// Load generator for the SCIM benchmarks (autocannon on loopback). Starts bench/server.ts in
// a child process (the real service and a bare NestJS route, seeded), runs each scenario, and
// writes bench/results/<dataset>.json. `node bench/run.mjs [users...]`, e.g. 10000 100500.
// Durations are short so the whole run fits in a few minutes on 2 cores; see RESULTS.md.
import { machineInfo, startServer } from './bench-server.mjs';
import { deactivations, measureRate, patchOp, userCreations } from './scenarios.mjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DURATION = Number(process.env.DURATION ?? 8);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const PORT = 3100;
const BARE_PORT = 3101;
const datasets = process.argv.slice(2).map(Number);
if (datasets.length === 0) datasets.push(10_000, 100_000);

const base = `http://127.0.0.1:${PORT}/api/scim/v2`;
const pick = (list) => list[Math.floor(Math.random() * list.length)];

const load = (name, options) =>
  measureRate(name, { connections: CONNECTIONS, duration: DURATION, ...options });

async function timed(name, method, path, token, body) {
  const started = process.hrtime.bigint();
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.arrayBuffer();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`${name.padEnd(48)} ${ms.toFixed(1).padStart(9)} ms  (HTTP ${response.status})`);
  if (response.status >= 300) throw new Error(`${name}: HTTP ${response.status}`);
  return { name, ms: Math.round(ms * 10) / 10 };
}

async function runDataset(users) {
  const groupSizes = users >= 100_000 ? [100, 10_000, 100_000] : [100, 10_000];
  // The server seeds 1,000 spare users beyond `users` (in no group) for the member benchmarks.
  const { child, info } = await startServer({ users, groupSizes, port: PORT, barePort: BARE_PORT });
  // A fresh object each time: autocannon writes content-length into the headers it is given.
  const authOf = () => ({
    authorization: `Bearer ${info.token}`,
    'content-type': 'application/scim+json',
  });
  console.log(`\n== ${users} users (${info.engine}), seeded in ${info.seedSeconds} s`);
  const rows = [];
  try {
    rows.push(await load('bare NestJS route', { url: `http://127.0.0.1:${BARE_PORT}/bare` }));
    rows.push(
      await load('GET /Users/{id}', {
        url: base,
        requests: [
          {
            setupRequest: (r) => ({
              ...r,
              method: 'GET',
              path: `/api/scim/v2/Users/${pick(info.sampleIds)}`,
              headers: authOf(),
            }),
          },
        ],
      }),
    );
    rows.push(
      await load('GET /Users?filter=userName eq', {
        url: base,
        requests: [
          {
            setupRequest: (r) => ({
              ...r,
              method: 'GET',
              path: `/api/scim/v2/Users?filter=${encodeURIComponent(`userName eq "user${Math.floor(Math.random() * users)}@bench.example.com"`)}`,
              headers: authOf(),
            }),
          },
        ],
      }),
    );
    rows.push(
      await load('GET /Users 100-user page, startIndex=1', {
        url: `${base}/Users?startIndex=1&count=100`,
        headers: authOf(),
      }),
    );
    rows.push(
      await load(`GET /Users 100-user page, startIndex=${users - 99}`, {
        url: `${base}/Users?startIndex=${users - 99}&count=100`,
        headers: authOf(),
      }),
    );
    rows.push(
      await load('POST /Users', { url: base, requests: userCreations(`new-${users}-`, authOf) }),
    );
    rows.push(
      await load('PATCH /Users/{id} deactivate', {
        url: base,
        requests: deactivations(info.sampleIds, authOf),
      }),
    );

    // Groups: one-member add and remove (one connection, so latency is per request).
    for (const size of groupSizes) {
      const groupId = info.groups[size];
      let flip = 0;
      const spare = info.spareIds[0];
      rows.push(
        await load(`PATCH add+remove one member, group of ${size}`, {
          connections: 1,
          url: base,
          requests: [
            {
              setupRequest: (r) => ({
                ...r,
                method: 'PATCH',
                path: `/api/scim/v2/Groups/${groupId}`,
                headers: authOf(),
                body: JSON.stringify(
                  flip++ % 2 === 0
                    ? patchOp({ op: 'add', path: 'members', value: [{ value: spare }] })
                    : patchOp({ op: 'remove', path: `members[value eq "${spare}"]` }),
                ),
              }),
            },
          ],
        }),
      );
    }
    rows.push(
      await load(`GET /Groups/{id}?excludedAttributes=members (${Math.max(...groupSizes)})`, {
        url: `${base}/Groups/${info.groups[Math.max(...groupSizes)]}?excludedAttributes=members`,
        headers: authOf(),
      }),
    );

    // Single large operations, timed once each.
    const create = await fetch(`${base}/Groups`, {
      method: 'POST',
      headers: authOf(),
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Bulk target',
      }),
    });
    const bulkGroup = (await create.json()).id;
    const members = await fetch(`${base}/Groups/${info.groups[10_000]}?attributes=members`, {
      headers: authOf(),
    }).then((r) => r.json());
    const memberIds = members.members.map((m) => m.value);
    rows.push(
      await timed(
        'PATCH add 10,000 members (one request)',
        'PATCH',
        `/Groups/${bulkGroup}`,
        info.token,
        patchOp({ op: 'add', path: 'members', value: memberIds.map((value) => ({ value })) }),
      ),
    );
    for (const size of groupSizes.filter((s) => s >= 10_000)) {
      const current =
        size === 10_000
          ? memberIds
          : (
              await fetch(`${base}/Groups/${info.groups[size]}`, { headers: authOf() }).then((r) =>
                r.json(),
              )
            ).members.map((m) => m.value);
      const swap = Math.floor(size / 100);
      // 1% of the members swapped for users outside the group (not the one the add/remove runs used).
      const replacement = [...current.slice(swap), ...info.spareIds.slice(1, 1 + swap)];
      {
        rows.push(
          await timed(
            `PATCH replace full list of ${size}, 1% changed`,
            'PATCH',
            `/Groups/${info.groups[size]}`,
            info.token,
            patchOp({
              op: 'replace',
              path: 'members',
              value: replacement.map((value) => ({ value })),
            }),
          ),
        );
      }
    }
    rows.push(
      await timed(
        `GET /Groups/{id} whole, ${Math.max(...groupSizes)} members`,
        'GET',
        `/Groups/${info.groups[Math.max(...groupSizes)]}`,
        info.token,
      ),
    );
  } finally {
    child.kill('SIGTERM');
  }
  return { users, engine: info.engine, seedSeconds: info.seedSeconds, rows };
}

const machine = machineInfo();
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
for (const users of datasets) {
  const result = await runDataset(users);
  writeFileSync(
    join(root, 'bench', 'results', `scim-${users}.json`),
    JSON.stringify(
      {
        machine,
        date: new Date().toISOString(),
        durationSeconds: DURATION,
        connections: CONNECTIONS,
        ...result,
      },
      null,
      2,
    ),
  );
}
