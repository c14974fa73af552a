// Prints the tables of bench/RESULTS.md from bench/results/*.json (ratios to the bare route
// measured in the same run).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
for (const file of readdirSync(dir)
  .filter((name) => name.startsWith('scim-'))
  .sort((a, b) => parseInt(a.slice(5)) - parseInt(b.slice(5)))) {
  const result = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const bare = result.rows.find((row) => row.name === 'bare NestJS route')?.rps;
  console.log(
    `\n### ${result.users.toLocaleString('en')} users (${result.engine}), ${result.date.slice(0, 10)}\n`,
  );
  console.log('| scenario | req/s | ratio to bare | p50 ms | p99 ms | single request |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of result.rows) {
    if (row.rps !== undefined) {
      console.log(
        `| ${row.name} | ${row.rps} | ${bare ? (row.rps / bare).toFixed(2) + 'x' : ''} | ${row.p50} | ${row.p99} | |`,
      );
    } else {
      console.log(`| ${row.name} | | | | | ${row.ms} ms |`);
    }
  }
}
for (const file of readdirSync(dir).filter((name) => name.startsWith('reconcile-'))) {
  const r = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  console.log(
    `\n### Reconciliation, ${r.members.toLocaleString('en')} stale memberships (${r.engine}), ${r.date.slice(0, 10)}\n`,
  );
  console.log(
    `${r.run.fixed} fixed in ${r.seconds} s; peak heap ${r.peakHeapMiB} MiB (grew ${r.heapGrowthMiB} MiB during the run); a second run fixed ${r.secondRunFixed}.`,
  );
}
