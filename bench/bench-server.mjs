// Starts bench/server.ts (the real service and a bare NestJS route, seeded) in a child process
// and resolves with the JSON line it prints once ready: the token, sample ids, groups.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where `nest build scim-server` puts the service (`npm run start:prod` runs it from here). */
const built = join(root, 'dist', 'apps', 'scim-server');
const builtMain = join(built, 'apps', 'scim-server', 'src', 'main.js');

/** The newest modification time of the service's sources (its app and the libraries). */
function newestSource(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

let harness;
/**
 * The benchmarks measure the service as `npm run start:prod` runs it (issue 16): the Nest build
 * in dist/ (built here first when a source is newer than it, with the build's compiler
 * plugins), not ts-node's transpilation of the sources, which also loads Node's `repl` and,
 * through it, `domain` (which wraps every EventEmitter's emit in the process). On a GET by id
 * the two measured within each other's noise (2026-12-04, three runs each: 451 and 465 µs of
 * CPU per request), but a figure should be of the artifact users run. The harness itself
 * (server.ts, seed.ts, bare.ts) is transpiled beside the build, so that its imports
 * (`@app/...`, `../libs/...`) load the built modules, the very instances the built service
 * uses. Answers the node arguments that run one of those scripts, and their environment.
 */
export function builtHarness(script) {
  if (!harness) {
    let stale = true;
    try {
      const sources = Math.max(
        newestSource(join(root, 'apps', 'scim-server', 'src')),
        newestSource(join(root, 'libs')),
      );
      stale = statSync(builtMain).mtimeMs < sources;
    } catch {
      // no build yet
    }
    if (stale) {
      process.stderr.write('bench: building the service (nest build scim-server)\n');
      execFileSync(join(root, 'node_modules', '.bin', 'nest'), ['build', 'scim-server'], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    }
    const ts = createRequire(import.meta.url)('typescript');
    const { options } = ts.convertCompilerOptionsFromJson(
      ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config.compilerOptions,
      root,
    );
    mkdirSync(join(built, 'bench'), { recursive: true });
    for (const name of ['server', 'seed', 'bare']) {
      const fileName = join(root, 'bench', `${name}.ts`);
      const { outputText } = ts.transpileModule(readFileSync(fileName, 'utf8'), {
        compilerOptions: { ...options, sourceMap: false },
        fileName,
      });
      writeFileSync(join(built, 'bench', `${name}.js`), outputText);
    }
    harness = {
      // tsconfig.json's paths (@app/common -> libs/common/src), resolved inside the build.
      env: { TS_NODE_PROJECT: join(root, 'tsconfig.json'), TS_NODE_BASEURL: built },
      args: (name) => ['-r', 'tsconfig-paths/register', join(built, 'bench', `${name}.js`)],
    };
  }
  return { args: harness.args(script), env: harness.env };
}

export function startServer({ users, groupSizes, port, barePort, env = {} }) {
  const server = builtHarness('server');
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [
        // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/profiles": where the time goes.
        ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
        ...server.args,
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          ...env,
          ...server.env,
          USERS: String(users),
          GROUP_SIZES: groupSizes.join(','),
          PORT: String(port),
          BARE_PORT: String(barePort),
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
