// Steady load: mixed SCIM traffic at a fixed rate (default 200 requests/s for 60 s), as an
// identity provider's sync plus incremental pushes look, against the real service seeded with
// USERS users and one group of GROUP_SIZE members. Records the error rate and latency
// percentiles in bench/results/load-<engine>-<users>[-<n>x].json. `node bench/load.mjs`;
// RATE, DURATION, USERS, GROUP_SIZE and DATABASE_URL override the defaults. INSTANCES=3 (with
// DATABASE_URL) runs three instances of the service on one database, the first seeding it,
// and sends each a third of the rate and of the connections (round robin by generator).
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo, startServer } from './bench-server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RATE = Number(process.env.RATE ?? 200);
const DURATION = Number(process.env.DURATION ?? 60);
const USERS = Number(process.env.USERS ?? 10_000);
const GROUP_SIZE = Number(process.env.GROUP_SIZE ?? 1_000);
const PORT = 3100;
const INSTANCES = Number(process.env.INSTANCES ?? 1);

/** The traffic mix, by weight: mostly lookups, as IdPs check before they write. */
const MIX = [
  ['GET /Users?filter=userName eq', 30],
  ['GET /Users/{id}', 15],
  ['GET /Users page of 100', 5],
  ['GET /Groups/{id}?excludedAttributes=members', 5],
  ['POST /Users', 10],
  ['PATCH /Users/{id} (replace)', 15],
  ['PUT /Users/{id}', 5],
  ['PATCH /Groups/{id} add or remove a member', 10],
  ['POST /Users, then DELETE it', 5],
];
const TOTAL_WEIGHT = MIX.reduce((sum, [, weight]) => sum + weight, 0);

const { child, info } = await startServer({
  users: USERS,
  groupSizes: [GROUP_SIZE],
  port: PORT,
  barePort: PORT + 1,
});
// The other instances join the seeded database (BENCH_JOIN), each on a port of its own.
const joined = [];
for (let i = 1; i < INSTANCES; i++) {
  joined.push(
    await startServer({
      users: 0,
      groupSizes: [],
      port: PORT + 2 * i,
      barePort: 0,
      env: { BENCH_JOIN: '1' },
    }),
  );
}
const base = '/api/scim/v2';
const pick = (list) => list[Math.floor(Math.random() * list.length)];
const headers = () => ({
  authorization: `Bearer ${info.token}`,
  'content-type': 'application/scim+json',
});
const groupId = info.groups[GROUP_SIZE];
const userNameOf = (i) => `user${i}@bench.example.com`;
let created = 0;
let spareNext = 0;
const inGroup = new Set();
const counts = Object.fromEntries([...MIX.map(([name]) => [name, 0]), ['DELETE /Users/{id}', 0]]);
let versionOf = 0;

/** A User as Okta sends one. */
const userBody = (userName, familyName) =>
  JSON.stringify({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: 'Bench', familyName },
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
  });

function nextRequest(request) {
  let roll = Math.random() * TOTAL_WEIGHT;
  const [name] = MIX.find(([, weight]) => (roll -= weight) < 0) ?? MIX[0];
  counts[name]++;
  const user = pick(info.sampleIds);
  const patch = (Operations) =>
    JSON.stringify({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations,
    });
  switch (name) {
    case 'GET /Users?filter=userName eq':
      return {
        ...request,
        method: 'GET',
        path: `${base}/Users?filter=${encodeURIComponent(`userName eq "${userNameOf(Math.floor(Math.random() * USERS))}"`)}`,
        headers: headers(),
      };
    case 'GET /Users/{id}':
      return { ...request, method: 'GET', path: `${base}/Users/${user}`, headers: headers() };
    case 'GET /Users page of 100':
      return {
        ...request,
        method: 'GET',
        path: `${base}/Users?startIndex=${1 + 100 * Math.floor((Math.random() * USERS) / 100)}&count=100`,
        headers: headers(),
      };
    case 'GET /Groups/{id}?excludedAttributes=members':
      return {
        ...request,
        method: 'GET',
        path: `${base}/Groups/${groupId}?excludedAttributes=members`,
        headers: headers(),
      };
    case 'POST /Users': {
      const userName = `load.${process.pid}.${created++}@bench.example.com`;
      return {
        ...request,
        method: 'POST',
        path: `${base}/Users`,
        headers: headers(),
        body: userBody(userName, 'Load'),
      };
    }
    case 'PATCH /Users/{id} (replace)':
      return {
        ...request,
        method: 'PATCH',
        path: `${base}/Users/${user}`,
        headers: headers(),
        body: patch([{ op: 'replace', path: 'title', value: `Title ${versionOf++}` }]),
      };
    case 'PUT /Users/{id}': {
      const index = info.sampleIds.indexOf(user);
      const userName = userNameOf(index * Math.max(1, Math.floor(USERS / 1000)));
      return {
        ...request,
        method: 'PUT',
        path: `${base}/Users/${user}`,
        headers: headers(),
        body: userBody(userName, `Put${versionOf++}`),
      };
    }
    case 'PATCH /Groups/{id} add or remove a member': {
      const spare = info.spareIds[spareNext++ % info.spareIds.length];
      const remove = inGroup.has(spare);
      if (remove) inGroup.delete(spare);
      else inGroup.add(spare);
      return {
        ...request,
        method: 'PATCH',
        path: `${base}/Groups/${groupId}`,
        headers: headers(),
        body: patch(
          remove
            ? [{ op: 'remove', path: `members[value eq "${spare}"]` }]
            : [{ op: 'add', path: 'members', value: [{ value: spare }] }],
        ),
      };
    }
    default: {
      // A user made to be deleted: its DELETE goes out once the 201 names its id.
      const userName = `gone.${process.pid}.${created++}@bench.example.com`;
      return {
        ...request,
        method: 'POST',
        path: `${base}/Users`,
        headers: headers(),
        body: userBody(userName, 'Gone'),
      };
    }
  }
}

// Users made to be deleted, waiting for their DELETE.
const toDelete = [];
const started = Date.now();
const generator = (port) =>
  autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: Math.ceil(20 / INSTANCES),
    overallRate: RATE / INSTANCES,
    duration: DURATION,
    requests: [
      {
        setupRequest: (request) => {
          const id = toDelete.shift();
          if (id) {
            counts['DELETE /Users/{id}']++;
            return {
              ...request,
              method: 'DELETE',
              path: `${base}/Users/${id}`,
              headers: headers(),
            };
          }
          return nextRequest(request);
        },
        onResponse: (status, body) => {
          if (status === 201 && typeof body === 'string' && body.includes('"gone.')) {
            toDelete.push(JSON.parse(body).id);
          }
        },
      },
    ],
  });
const results = await Promise.all(
  Array.from({ length: INSTANCES }, (_, i) => generator(PORT + 2 * i)),
);
child.kill('SIGTERM');
for (const { child: other } of joined) other.kill('SIGTERM');

// One generator per instance: counts add up; each latency figure is the worst instance's (an
// upper bound of the whole's percentile).
const sum = (pick) => results.reduce((total, result) => total + pick(result), 0);
const worst = (pick) => Math.max(...results.map(pick));
const result = {
  requests: { total: sum((r) => r.requests.total) },
  errors: sum((r) => r.errors),
  timeouts: sum((r) => r.timeouts),
  non2xx: sum((r) => r.non2xx),
  '2xx': sum((r) => r['2xx']),
  '4xx': sum((r) => r['4xx']),
  '5xx': sum((r) => r['5xx']),
  latency: {
    p50: worst((r) => r.latency.p50),
    p90: worst((r) => r.latency.p90),
    p99: worst((r) => r.latency.p99),
    max: worst((r) => r.latency.max),
    average:
      sum((r) => r.latency.average * r.requests.total) /
      Math.max(
        1,
        sum((r) => r.requests.total),
      ),
  },
};
const total = result.requests.total;
const failed = result.errors + result.timeouts + result.non2xx;
const row = {
  machine: machineInfo(),
  date: new Date().toISOString(),
  engine: info.engine,
  instances: INSTANCES,
  users: USERS,
  groupSize: GROUP_SIZE,
  targetRate: RATE,
  durationSeconds: DURATION,
  wallSeconds: Math.round((Date.now() - started) / 1000),
  requests: total,
  achievedRate: Math.round((total / DURATION) * 10) / 10,
  errors: {
    total: failed,
    rate: total === 0 ? 0 : failed / total,
    non2xx: result.non2xx,
    transport: result.errors,
    timeouts: result.timeouts,
  },
  statusCodes: {
    '2xx': result['2xx'],
    '4xx': result['4xx'],
    '5xx': result['5xx'],
  },
  latencyMs: {
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    mean: result.latency.average,
  },
  mix: counts,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(
    root,
    'bench',
    'results',
    `load-${info.engine}-${USERS}${INSTANCES > 1 ? `-${INSTANCES}x` : ''}${process.env.LABEL ? `-${process.env.LABEL}` : ''}.json`,
  ),
  `${JSON.stringify(row, null, 2)}\n`,
);
console.log(JSON.stringify(row, null, 2));
