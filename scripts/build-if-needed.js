// Builds an app with the Nest CLI when its output is missing or older than its sources, so
// that `npm start` and `npm run cli` work on a fresh clone and never run stale code.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

function newestMtime(dir, matches = (name) => name.endsWith('.ts')) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, matches));
    else if (matches(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function run(what, why, seconds, command, args) {
  // On stderr, so that `TOKEN=$(npm run -s cli -- ...)` still captures only the answer.
  process.stderr.write(`Building ${what} (${why}; this takes about ${seconds} s)...\n`);
  const started = Date.now();
  const result = spawnSync(join(root, 'node_modules', '.bin', command), args, {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  process.stderr.write(`Built ${what} in ${Math.round((Date.now() - started) / 1000)} s.\n`);
}

/** Returns the path of the app's built entry point, building it first when needed. */
function buildIfNeeded(app) {
  const entry = join(root, 'dist', 'apps', app, 'apps', app, 'src', 'main.js');
  const sources = Math.max(
    newestMtime(join(root, 'apps', app, 'src')),
    newestMtime(join(root, 'libs')),
  );
  if (!existsSync(entry) || statSync(entry).mtimeMs < sources) {
    run(app, existsSync(entry) ? 'its sources changed' : 'first run', 15, 'nest', ['build', app]);
  }
  return entry;
}

/** Builds the admin console (apps/admin-web/dist, which the service serves) when needed. */
function buildConsoleIfNeeded() {
  const web = join(root, 'apps', 'admin-web');
  const built = join(web, 'dist', 'index.html');
  const sources = Math.max(
    newestMtime(join(web, 'src'), () => true),
    newestMtime(join(web, 'public'), () => true),
    ...['index.html', 'vite.config.mts'].map((file) => statSync(join(web, file)).mtimeMs),
  );
  if (!existsSync(built) || statSync(built).mtimeMs < sources) {
    const why = existsSync(built) ? 'its sources changed' : 'first run';
    run('the admin console', why, 2, 'vite', ['build', '--config', join(web, 'vite.config.mts')]);
  }
  return built;
}

module.exports = { buildIfNeeded, buildConsoleIfNeeded };
