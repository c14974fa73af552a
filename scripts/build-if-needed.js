// Builds an app with the Nest CLI when its output is missing or older than its sources, so
// that `npm start` and `npm run cli` work on a fresh clone and never run stale code.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Returns the path of the app's built entry point, building it first when needed. */
function buildIfNeeded(app) {
  const entry = join(root, 'dist', 'apps', app, 'apps', app, 'src', 'main.js');
  const sources = Math.max(
    newestMtime(join(root, 'apps', app, 'src')),
    newestMtime(join(root, 'libs')),
  );
  if (!existsSync(entry) || statSync(entry).mtimeMs < sources) {
    // On stderr, so that `TOKEN=$(npm run -s cli -- ...)` still captures only the answer.
    const why = existsSync(entry) ? 'its sources changed' : 'first run';
    process.stderr.write(`Building ${app} (${why}; this takes about 15 s)...\n`);
    const started = Date.now();
    const nest = join(root, 'node_modules', '.bin', 'nest');
    const result = spawnSync(nest, ['build', app], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
    process.stderr.write(`Built ${app} in ${Math.round((Date.now() - started) / 1000)} s.\n`);
  }
  return entry;
}

module.exports = { buildIfNeeded };
