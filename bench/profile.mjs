// Where a request's time goes (issue 16's profiles): the service seeded with USERS users
// (default 10,000), production logging on, one operation under load for DURATION seconds
// (default 10) at 10 connections, with the server's CPU profile (V8's --cpu-prof) and, with
// STRACE=1, its system calls counted (strace -c -f). Prints the server's CPU time per
// request and its self time grouped by where the code lives (framework, driver, our code...).
// The service is pinned to one core and this process (the load generator) to the other, so
// that the two do not trade places on a core mid-sample; PostgreSQL runs where it can.
//
//   node bench/profile.mjs get|filter|post|patch|page|post2   (DATABASE_URL=postgres://…: a
//   database made afresh on that server; post2, with SECOND_COMPANY=1: creations for two
//   companies in turn; PROFILE=0: only the CPU per request, without the profiler's cost;
//   PIN=0: neither process pinned, as the throughput run; STATEMENTS=1, SQLite: the time each
//   statement text takes, per request)
//
// The profile's file stays in bench/results/profiles/ for Chrome DevTools or speedscope.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProductionServer } from './bench-server.mjs';
import { deactivations, measureRate, stopServer, userCreations } from './scenarios.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const operation = process.argv[2] ?? 'get';
const USERS = Number(process.env.USERS ?? 10_000);
const DURATION = Number(process.env.DURATION ?? 10);
const directory = join(root, 'bench', 'results', 'profiles');
mkdirSync(directory, { recursive: true });
const before = new Set(readdirSync(directory));

// Read by startServer for the server's node arguments. Not while strace counts: the
// profiler's sampling signals would be most of what it counts.
const STRACE = process.env.STRACE === '1';
// STATEMENTS=1 (SQLite): the time of each statement text in the server (sqlite-statements.cjs).
const STATEMENTS = process.env.STATEMENTS === '1';
const PROFILE = !STRACE && !STATEMENTS && process.env.PROFILE !== '0';
if (PROFILE) process.env.BENCH_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${directory}`;
const statementsFile = join(directory, `statements-${process.pid}.json`);
if (STATEMENTS) {
  process.env.BENCH_NODE_ARGS = `-r ${join(root, 'bench', 'sqlite-statements.cjs')}`;
  process.env.STATEMENTS_FILE = statementsFile;
}
const { child, info } = await startProductionServer({
  users: USERS,
  port: 3100,
  label: `profile_${operation}`,
});
if (process.env.PIN !== '0') {
  execFileSync('taskset', ['-apc', '1', String(child.pid)], { stdio: 'ignore' });
  execFileSync('taskset', ['-apc', '0', String(process.pid)], { stdio: 'ignore' });
}

/** The server's user and system CPU time so far, in microseconds (/proc/<pid>/stat). */
const cpuMicros = () => {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
};
/**
 * PostgreSQL's user and system CPU time so far, in microseconds: every process named
 * postgres (the backends serving the service, and the server's own). Null on SQLite.
 */
const databaseCpuMicros = () => {
  if (info.engine !== 'postgres') return null;
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.split(') ')[1].split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * 10_000;
    } catch {
      // the process ended meanwhile (a backend whose connection closed)
    }
  }
  return total;
};
const headers = () => ({
  authorization: `Bearer ${info.token}`,
  'content-type': 'application/scim+json',
});
let n = 0;
const sample = () => info.sampleIds[n++ % info.sampleIds.length];
const get = (path) => [{ setupRequest: (r) => ({ ...r, path: path(), headers: headers() }) }];
const scenarios = {
  get: get(() => `/api/scim/v2/Users/${sample()}`),
  filter: get(
    () =>
      `/api/scim/v2/Users?filter=${encodeURIComponent(`userName eq "user${(n++ * 7919) % USERS}@bench.example.com"`)}`,
  ),
  post: userCreations(`profile${Date.now()}-`, headers),
  patch: deactivations(info.sampleIds, headers),
  page: get(() => '/api/scim/v2/Users?startIndex=1&count=100'),
  // Creations for two companies in turn (SECOND_COMPANY=1): what one company's writes cost
  // another's, where nothing of theirs is shared but the database.
  ...(info.second && {
    post2: userCreations(`profile${Date.now()}-`, () => ({
      ...headers(),
      authorization: `Bearer ${n++ % 2 === 0 ? info.token : info.second.token}`,
    })),
  }),
};
if (!scenarios[operation]) throw new Error(`unknown operation ${operation}`);

let tracer;
if (STRACE) {
  const output = join(directory, `strace-${process.pid}.txt`);
  const process_ = spawn('strace', ['-c', '-f', '-p', String(child.pid), '-o', output], {
    stdio: 'ignore',
  });
  const exited = new Promise((done) => process_.once('exit', done));
  tracer = {
    stop: async () => {
      process_.kill('SIGINT');
      await exited;
      const counts = readFileSync(output, 'utf8');
      rmSync(output);
      return counts;
    },
  };
  await new Promise((done) => setTimeout(done, 1000)); // strace attaches to every thread
}
if (STATEMENTS) child.kill('SIGUSR2'); // count from here: not the seed
const started = Date.now();
const cpuBefore = cpuMicros();
const databaseCpuBefore = databaseCpuMicros();
const row = await measureRate(operation, {
  url: 'http://127.0.0.1:3100',
  duration: DURATION,
  requests: scenarios[operation],
});
const requests = row.rps * DURATION;
const cpuPerRequest = (cpuMicros() - cpuBefore) / requests;
const databaseCpuAfter = databaseCpuMicros();
const loadEnded = Date.now();
const loadSeconds = (loadEnded - started) / 1000;
let syscalls;
if (tracer) {
  syscalls = (await tracer.stop())
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(
      (fields) => fields.length >= 5 && /^\d/.test(fields[0]) && /^[a-z_0-9]+$/.test(fields.at(-1)),
    )
    .map((fields) => ({ syscall: fields.at(-1), calls: Number(fields[3]) }))
    .sort((a, b) => b.calls - a.calls);
}
await stopServer(child);
/** From the load's end to the server's exit (strace detaching, shutdown): not in the window. */
const tailSeconds = (Date.now() - loadEnded) / 1000;

console.log(
  `${info.engine}, ${USERS} users, ${operation}: ${row.rps} req/s, ` +
    `${Math.round(cpuPerRequest)} µs of server CPU per request` +
    (databaseCpuBefore === null
      ? ''
      : `, ${Math.round((databaseCpuAfter - databaseCpuBefore) / requests)} µs of PostgreSQL's`),
);
if (STATEMENTS) {
  console.log('SQLite statements, per request served (the costliest texts):');
  for (const { runs, microsecondsPerRun, sql } of JSON.parse(
    readFileSync(statementsFile, 'utf8'),
  )) {
    console.log(
      `  ${(runs / requests).toFixed(2)} x ${microsecondsPerRun} µs = ${((runs * microsecondsPerRun) / requests).toFixed(1)} µs  ${sql}`,
    );
  }
  rmSync(statementsFile);
} else if (syscalls) {
  console.log('system calls per request (strace -c -f; the traced server runs far slower):');
  for (const { syscall, calls } of syscalls.filter(({ calls }) => calls / requests >= 0.05))
    console.log(`  ${syscall} ${(calls / requests).toFixed(2)}`);
} else if (PROFILE) {
  const file = readdirSync(directory)
    .filter((name) => !before.has(name) && name.endsWith('.cpuprofile'))
    .map((name) => join(directory, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  for (const [category, share] of categories(profile, loadSeconds, tailSeconds))
    console.log(`| ${category} | ${share.toFixed(1)}% |`);
  if (process.env.KEEP_PROFILE === '1') console.log(`profile: ${file}`);
  else rmSync(file);
}

/**
 * Self time of the load's `seconds` (ending `tailSeconds` before the profile does: not the
 * seeding, not the shutdown), grouped by where the code lives: node_modules packages by name,
 * the repository's libs and apps, Node's internals.
 */
function categories(profile, seconds, tailSeconds) {
  const RULES = [
    ['idle (waiting for I/O: on PostgreSQL, the database)', (url, name) => name === '(idle)'],
    ['garbage collection', (url, name) => name === '(garbage collector)'],
    [
      'database driver (TypeORM, pg; on SQLite, SQLite itself runs in here)',
      (url) =>
        /node_modules\/(typeorm|pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+|better-sqlite3[^/]*)\//.test(
          url,
        ) || /libs\/common\/src\/database\//.test(url),
    ],
    [
      'request log and metrics (pino, pino-http, prom-client)',
      (url) =>
        /node_modules\/(pino|pino-http|prom-client|sonic-boom|nestjs-pino|on-exit-leak-free)\//.test(
          url,
        ) || /libs\/common\/src\/observability\//.test(url),
    ],
    [
      'provisioning log (its listener and batches)',
      (url) => /libs\/sync-status\//.test(url) || /node_modules\/uuid\//.test(url),
    ],
    [
      'the service: auth, parsing, validation, rendering, events',
      (url) =>
        (/\/(libs|apps)\//.test(url) && !url.includes('node_modules')) ||
        /node_modules\/(class-validator|class-transformer|validator)\//.test(url),
    ],
    [
      'framework (Express, its router, Nest, helmet, body-parser)',
      (url) =>
        /node_modules\/(express|router|@nestjs\/[a-z-]+|body-parser|helmet|parseurl|path-to-regexp|finalhandler|send|serve-static|on-finished|rxjs|raw-body|type-is|content-type|mime-types|qs|depd|accepts|negotiator|vary|fresh|media-typer|iconv-lite|debug|encodeurl|escape-html|statuses|http-errors|proxy-addr|forwarded|reflect-metadata|tslib)\//.test(
          url,
        ),
    ],
    [
      "Node's HTTP, sockets and writes (the kernel's work for them included)",
      (url, name) =>
        /^node:(_http|net|events|buffer|url|internal\/(streams|stream_base|http|net|url|timers|async_hooks|process|fs))/.test(
          url,
        ) || /^(writev|writeBuffer|writeString|writeUtf8String|writeLatin1String)$/.test(name),
    ],
    ['crypto (the token hash)', (url) => /crypto/.test(url)],
    ['JSON, strings and other native code', (url) => url === ''],
  ];
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const to = profile.endTime - tailSeconds * 1e6;
  const from = to - seconds * 1e6;
  const shares = new Map();
  let time = profile.startTime;
  let total = 0;
  profile.samples.forEach((id, index) => {
    time += profile.timeDeltas[index];
    if (time < from || time > to) return;
    const { url, functionName } = nodes.get(id).callFrame;
    const rule = RULES.find(([, test]) => test(url, functionName));
    const category = rule ? rule[0] : 'other JavaScript';
    shares.set(category, (shares.get(category) ?? 0) + profile.timeDeltas[index]);
    total += profile.timeDeltas[index];
  });
  return [...shares]
    .map(([category, micros]) => [category, (100 * micros) / total])
    .sort((a, b) => b[1] - a[1]);
}
