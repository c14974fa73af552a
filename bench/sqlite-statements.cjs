/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (node -r), loaded before ts-node */
// SQLite statement times, per statement text (`STATEMENTS=1 node bench/profile.mjs …` loads it
// into the server with -r): better-sqlite3's statements are wrapped to time each run on the
// calling thread; SIGUSR2 starts the count afresh (profile.mjs sends it as the load begins, so
// the seed is not counted); at exit the 25 costliest texts are written to the file named by
// STATEMENTS_FILE.
const { writeFileSync } = require('node:fs');

const times = new Map();
// Whichever of the two drivers this Node loads (database-options.ts: sqliteDriver); this runs
// before ts-node, so it patches both that are installed.
for (const name of ['better-sqlite3', 'better-sqlite3-napi']) {
  let Database;
  try {
    Database = require(name);
  } catch {
    continue;
  }
  patch(Database);
}

function patch(Database) {
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (sql, ...rest) {
    const statement = prepare.call(this, sql, ...rest);
    for (const method of ['run', 'all', 'get']) {
      const original = statement[method];
      statement[method] = function (...parameters) {
        const started = process.hrtime.bigint();
        try {
          return original.apply(this, parameters);
        } finally {
          const time = times.get(sql) ?? { runs: 0, nanoseconds: 0 };
          time.runs += 1;
          time.nanoseconds += Number(process.hrtime.bigint() - started);
          times.set(sql, time);
        }
      };
    }
    return statement;
  };
}
process.on('SIGUSR2', () => times.clear());
process.on('exit', () => {
  const rows = [...times]
    .sort((a, b) => b[1].nanoseconds - a[1].nanoseconds)
    .slice(0, 25)
    .map(([sql, { runs, nanoseconds }]) => ({
      ms: Math.round(nanoseconds / 1e6),
      runs,
      microsecondsPerRun: Math.round(nanoseconds / runs / 100) / 10,
      sql: sql.replace(/\s+/g, ' ').slice(0, Number(process.env.STATEMENT_CHARS ?? 120)),
    }));
  writeFileSync(process.env.STATEMENTS_FILE, JSON.stringify(rows));
});
