// Two trees of the service side by side, alternately, in one run: GET /Users/{id}, POST /Users
// and the deactivating PATCH, each with the bare NestJS route measured before and after.
// `node bench/compare.mjs <tree A> <tree B>`; the environment passes through to both servers,
// e.g. `NODE_ENV=production BENCH_LOG_LEVEL=log` to measure with the request log on (what the
// logging change was measured with). With DATABASE_URL=postgres://…, each measurement gets a
// database made afresh on that server. Writes bench/results/compare-<label>.json.
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshPostgresDatabase } from './bench-server.mjs';
import { deactivations, median, stopServer, userCreations } from './scenarios.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const trees = process.argv.slice(2, 4).map((tree) => resolve(tree));
const LABEL = process.env.LABEL ?? 'trees';
const DURATION = Number(process.env.DURATION ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const env = {
  DATABASE_URL: '',
  // Production refuses to start without a configured secret.
  ADMIN_JWT_SECRET: process.env.ADMIN_JWT_SECRET ?? randomBytes(48).toString('base64url'),
};

const rps = async (options) =>
  Math.round(
    (await autocannon({ connections: 10, duration: DURATION, ...options })).requests.average,
  );

async function measure(tree) {
  const { startServer, machineInfo } = await import(
    pathToFileURL(join(tree, 'bench', 'bench-server.mjs'))
  );
  const { child, info } = await startServer({
    users: 10_000,
    groupSizes: [],
    port: 3100,
    barePort: 3101,
    env: {
      ...env,
      ...(process.env.DATABASE_URL && {
        DATABASE_URL: freshPostgresDatabase(process.env.DATABASE_URL, `compare_${LABEL}`),
      }),
    },
  });
  const headers = {
    authorization: `Bearer ${info.token}`,
    'content-type': 'application/scim+json',
  };
  const url = 'http://127.0.0.1:3100';
  try {
    const bareBefore = await rps({ url: 'http://127.0.0.1:3101/bare' });
    let read = 0;
    const get = await rps({
      url,
      requests: [
        {
          setupRequest: (r) => ({
            ...r,
            path: `/api/scim/v2/Users/${info.sampleIds[read++ % info.sampleIds.length]}`,
            headers,
          }),
        },
      ],
    });
    const post = await rps({ url, requests: userCreations('compare', () => headers) });
    const patch = await rps({ url, requests: deactivations(info.sampleIds, () => headers) });
    const bareAfter = await rps({ url: 'http://127.0.0.1:3101/bare' });
    const bare = (bareBefore + bareAfter) / 2;
    const ratio = (value) => +(value / bare).toFixed(3);
    const row = {
      tree,
      bare: Math.round(bare),
      get,
      getRatio: ratio(get),
      post,
      postRatio: ratio(post),
      patch,
      patchRatio: ratio(patch),
    };
    console.log(JSON.stringify(row));
    return { row, machine: machineInfo() };
  } finally {
    await stopServer(child);
  }
}

const rows = [];
let machine;
for (let round = 0; round < ROUNDS; round++) {
  for (const tree of trees) {
    const result = await measure(tree);
    rows.push(result.row);
    machine = result.machine;
  }
}
const summary = trees.map((tree) => {
  const mine = rows.filter((row) => row.tree === tree);
  const of = (key) => median(mine.map((row) => row[key]));
  return {
    tree,
    rounds: mine.length,
    getRatio: of('getRatio'),
    postRatio: of('postRatio'),
    patchRatio: of('patchRatio'),
    get: of('get'),
    post: of('post'),
    patch: of('patch'),
  };
});
console.table(summary);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', `compare-${LABEL}.json`),
  JSON.stringify(
    {
      machine,
      date: new Date().toISOString(),
      label: LABEL,
      users: 10_000,
      durationSeconds: DURATION,
      connections: 10,
      environment: {
        NODE_ENV: process.env.NODE_ENV ?? null,
        BENCH_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? null,
        engine: process.env.DATABASE_URL ? 'postgres' : 'sqlite',
      },
      summary,
      rows,
    },
    null,
    2,
  ),
);
