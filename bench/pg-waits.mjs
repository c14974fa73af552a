// What PostgreSQL's backends are doing while the service is under one operation's load
// (issue 16, round 7): pg_stat_activity sampled every 20 ms for the service's database, each
// client backend counted by its wait event (`cpu` when it waits on nothing) and state, and
// the mean number of backends per sample printed. "Client:ClientRead" is a backend waiting
// for the service; "Lock:transactionid" one waiting for another transaction's row lock.
//
//   DATABASE_URL=postgres://… node bench/pg-waits.mjs patch|post|get   (USERS, DURATION)
import autocannon from 'autocannon';
import pg from 'pg';
import { startProductionServer } from './bench-server.mjs';
import { deactivations, stopServer, userCreations } from './scenarios.mjs';

if (!process.env.DATABASE_URL?.startsWith('postgres')) {
  console.error('pg-waits measures PostgreSQL: set DATABASE_URL=postgres://…');
  process.exit(2);
}
const operation = process.argv[2] ?? 'patch';
const USERS = Number(process.env.USERS ?? 10_000);
const DURATION = Number(process.env.DURATION ?? 8);
const PORT = 3200;

const { child, info } = await startProductionServer({ users: USERS, port: PORT, label: 'waits' });
const headers = { authorization: `Bearer ${info.token}`, 'content-type': 'application/scim+json' };
const database = process.env.DATABASE_URL.replace(/\/[^/]*$/, '/scim_bench_waits');
const client = new pg.Client({ connectionString: database });
await client.connect();
const counts = new Map();
let samples = 0;
let sampling = true;
const sampler = (async () => {
  while (sampling) {
    const { rows } = await client.query(
      `SELECT coalesce(wait_event_type, 'cpu') || ':' || coalesce(wait_event, '') || ' (' || state || ')' AS what,
              count(*)::int AS n
         FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
        GROUP BY 1`,
    );
    samples++;
    for (const { what, n } of rows) counts.set(what, (counts.get(what) ?? 0) + n);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
})();
let read = 0;
const requests =
  operation === 'post'
    ? userCreations('waits', () => headers)
    : operation === 'get'
      ? [
          {
            setupRequest: (request) => ({
              ...request,
              path: `/api/scim/v2/Users/${info.sampleIds[read++ % info.sampleIds.length]}`,
              headers,
            }),
          },
        ]
      : deactivations(info.sampleIds, () => headers);
try {
  const result = await autocannon({
    url: `http://127.0.0.1:${PORT}`,
    connections: 10,
    duration: DURATION,
    requests,
  });
  sampling = false;
  await sampler;
  console.log(
    `${operation}: ${Math.round(result.requests.average)} req/s, ${USERS} users; backends per sample (${samples} samples):`,
  );
  for (const [what, n] of [...counts].sort((a, b) => b[1] - a[1])) {
    console.log(`${(n / samples).toFixed(2).padStart(6)}  ${what}`);
  }
} finally {
  sampling = false;
  await client.end();
  await stopServer(child);
}
