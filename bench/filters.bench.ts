/**
 * Filters and sorts beyond the IdP lookups at N users (default 100,000), one request at a
 * time, median of 5 after one warm-up, on loopback. Issue 16's target: `name.familyName eq`,
 * the enterprise `department eq`, `sortBy=name.familyName` and `sortBy=userName` each under
 * 50 ms at 100,000 users on both engines; the rest say what the filters that stay unindexed
 * cost. Run:
 * `node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/filters.bench.ts`
 * (DATABASE_URL=postgres://... for PostgreSQL, measured after VACUUM ANALYZE unless
 * VACUUM=0). Writes bench/results/filters-<engine>-N.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchOnce as fetch, machine, medianMs, startInProcess } from './in-process';
import { seedUsers } from './seed';

const N = Number(process.env.USERS ?? 100_000);
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

async function main() {
  const { config, app, dataSource, companyId, base, token } = await startInProcess('filters');
  await seedUsers(dataSource, companyId, N);
  const vacuumed = config.database.type === 'postgres' && process.env.VACUUM !== '0';
  if (vacuumed) await dataSource.query('VACUUM ANALYZE');

  const get = async (query: string) => {
    const response = await fetch(`${base}/api/scim/v2/Users?${query}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { totalResults?: number };
    if (!response.ok) throw new Error(`${query}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  const filter = (text: string) => `filter=${encodeURIComponent(text)}`;
  const requests: [string, string, boolean][] = [
    // [request, query, indexed]
    ['name.familyName eq', filter('name.familyName eq "Family977"'), true],
    ['enterprise department eq', filter(`${ENTERPRISE}:department eq "Department7"`), true],
    ['name.givenName eq', filter('name.givenName eq "Given77777"'), true],
    ['sortBy=name.familyName, 100 per page', 'sortBy=name.familyName&count=100', true],
    [
      'sortBy=name.familyName descending',
      'sortBy=name.familyName&sortOrder=descending&count=100',
      true,
    ],
    ['sortBy=userName, 100 per page', 'sortBy=userName&count=100', true],
    ['sortBy=displayName, 100 per page', 'sortBy=displayName&count=100', true],
    [
      'department eq, sortBy=name.familyName',
      `${filter('department eq "Department7"')}&sortBy=name.familyName&count=100`,
      true,
    ],
    ['userName sw (prefix, a range of the index)', filter('userName sw "user7777"'), true],
    ['userName co', filter('userName co "zzz"'), false],
    ['title eq (not indexed)', filter('title eq "engineer"'), false],
    ['name.formatted eq (not indexed)', filter('name.formatted eq "x"'), false],
    ['sortBy=title (not indexed)', 'sortBy=title&count=100', false],
  ];
  const results: { request: string; query: string; indexed: boolean; medianMs: number }[] = [];
  for (const [request, query, indexed] of requests) {
    const median = await medianMs(() => get(query));
    results.push({ request, query, indexed, medianMs: median });
    const total = (await get(query)).totalResults;
    console.log(
      `${request.padEnd(40)} ${median.toFixed(1).padStart(8)} ms  (${total} results${indexed ? '' : ', unindexed'})`,
    );
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results', `filters-${config.database.type}-${N}.json`),
    JSON.stringify(
      {
        machine: machine(),
        date: new Date().toISOString(),
        engine: config.database.type,
        users: N,
        vacuumed,
        results,
      },
      null,
      2,
    ),
  );
  await app.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
