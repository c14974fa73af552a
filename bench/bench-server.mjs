// Starts bench/server.ts (the real service and a bare NestJS route, seeded) in a child process
// and resolves with the JSON line it prints once ready: the token, sample ids, groups.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function startServer({ users, groupSizes, port, barePort, env = {} }) {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [
        // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/profiles": where the time goes.
        ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        join(root, 'bench', 'server.ts'),
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          ...env,
          USERS: String(users),
          GROUP_SIZES: groupSizes.join(','),
          PORT: String(port),
          BARE_PORT: String(barePort),
          TS_NODE_PROJECT: join(root, 'tsconfig.json'),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let buffer = '';
    const ready = (chunk) => {
      buffer += chunk;
      const complete = buffer.split('\n').slice(0, -1);
      const line = complete.find((l) => l.startsWith('{"ready":true'));
      if (!line) return;
      // What the server logs from here on (BENCH_LOG_LEVEL=log) is read and dropped.
      child.stdout.off('data', ready);
      child.stdout.resume();
      done({ child, info: JSON.parse(line) });
    };
    child.stdout.on('data', ready);
    child.on('exit', (code) => fail(new Error(`server exited ${code}`)));
  });
}

/** The machine a figure was measured on, written beside it. */
export function machineInfo() {
  return {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/**
 * PostgreSQL: a database made afresh on the server of `url` (dropped first if an earlier run
 * left it), named after `label`; answers its URL. The benchmarks seed one fixed company, so
 * every run needs an empty database of its own.
 */
export function freshPostgresDatabase(url, label) {
  const name = `scim_bench_${label}`.replace(/[^A-Za-z0-9_]/g, '_');
  execFileSync('psql', [
    url,
    '-qc',
    `DROP DATABASE IF EXISTS ${name}`,
    '-c',
    `CREATE DATABASE ${name}`,
  ]);
  return url.replace(/\/[^/]*$/, `/${name}`);
}

/**
 * The service as users run it (issue 16's measurements): NODE_ENV=production with the request
 * log on, a fresh admin secret, no bare route in its process, and on PostgreSQL
 * (DATABASE_URL) a database made afresh for `label`.
 */
export function startProductionServer({ users, port, label }) {
  return startServer({
    users,
    groupSizes: [],
    port,
    barePort: 0,
    env: {
      NODE_ENV: 'production',
      BENCH_LOG_LEVEL: 'log',
      ADMIN_JWT_SECRET: randomBytes(48).toString('base64url'),
      ...(process.env.DATABASE_URL && {
        DATABASE_URL: freshPostgresDatabase(process.env.DATABASE_URL, label),
      }),
    },
  });
}
