import { seedUsers } from '../bench/seed';
import { scimCompany, ScimCompany } from './factories/company.factory';
import { scimClient, ScimClient } from './support/scim-client';
import { createTestApp, TestApp } from './support/test-app';

type Query = (...args: unknown[]) => Promise<unknown>;

/** A captured statement's SQL (rawQuery sends PostgreSQL named statements as { name, text }). */
const sqlOf = (query: unknown) => String((query as { text?: string }).text ?? query);

/**
 * Every lookup an identity provider makes uses its index at 100,000 users (issue 12): the
 * statements a request really ran are captured and explained (EXPLAIN QUERY PLAN on SQLite,
 * EXPLAIN on PostgreSQL). A plan that walks the company instead (SQLite: a SCAN of scim_users,
 * or a search of the (companyId, id) index for a lookup by another attribute; PostgreSQL: a
 * Seq Scan of scim_users, or a walk of the id index) fails the test.
 */
describe('query plans at 100,000 users', () => {
  let t: TestApp;
  let a: ScimCompany;
  let scim: ScimClient;
  let prototype: { query: Query };
  let original: Query;
  const captured: { sql: string; parameters: unknown[] }[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    a = await scimCompany(t);
    scim = scimClient(t, a.scimToken);
    await seedUsers(t.dataSource, a.companyId, 100_000);
    // No ANALYZE after seeding: the queries must be written so that a planner without
    // current statistics cannot misread them either.
    const runner = t.dataSource.createQueryRunner();
    prototype = Object.getPrototypeOf(runner) as { query: Query };
    await runner.release();
    original = prototype.query;
    prototype.query = function (this: unknown, ...args: unknown[]) {
      captured.push({ sql: sqlOf(args[0]), parameters: (args[1] as unknown[]) ?? [] });
      return original.apply(this, args);
    };
  }, 600_000);
  afterAll(async () => {
    if (original) prototype.query = original;
    await t?.close();
  });

  /** The plans of the statements on scim_users that one request ran. */
  const plansOf = async (path: string) => {
    captured.length = 0;
    await scim.get(path).expect(200);
    const statements = captured.filter(({ sql }) => /FROM "?scim_users"?/i.test(sql));
    if (process.env.SHOW_SQL) console.log(statements.map((s) => s.sql).join('\n'));
    prototype.query = original;
    try {
      const plans: string[] = [];
      for (const { sql, parameters } of statements) {
        const explain = t.engine === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
        const rows = (await t.dataSource.query(explain + sql, parameters)) as Record<
          string,
          unknown
        >[];
        plans.push(rows.map((row) => String(row.detail ?? row['QUERY PLAN'])).join('\n'));
      }
      return plans;
    } finally {
      prototype.query = function (this: unknown, ...args: unknown[]) {
        captured.push({ sql: sqlOf(args[0]), parameters: (args[1] as unknown[]) ?? [] });
        return original.apply(this, args);
      };
    }
  };

  const lookups: [string, string, RegExp][] = [
    // [what, filter, the index the plan must use]
    [
      'userName eq (Okta)',
      'userName eq "user77777@bench.example.com"',
      /userName|scim_users_userName/i,
    ],
    ['externalId eq (Entra)', 'externalId eq "ext-77777"', /externalId/i],
    ['emails.value eq', 'emails.value eq "user77777@bench.example.com"', /scim_user_emails_value/i],
    [
      'emails[value eq]',
      'emails[value eq "user77777@bench.example.com"]',
      /scim_user_emails_value/i,
    ],
    [
      // (PK_…: the primary key as TypeORM names it; PostgreSQL may take it for an id lookup)
      'id eq',
      'id eq "00000000-0000-7000-8000-000000000000"',
      /scim_users_id|PRIMARY|pkey|PK_|autoindex/i,
    ],
    ['displayName eq', 'displayName eq "given77777 family977"', /displayName/i],
    // Issue 16: what admins and IdPs filter on beyond the lookups.
    ['name.familyName eq', 'name.familyName eq "Family977"', /familyName/i],
    ['name.givenName eq', 'name.givenName eq "given77777"', /givenName/i],
    [
      'the enterprise department eq',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "department7"',
      /department/i,
    ],
    ['department eq, unqualified', 'department eq "Department7"', /department/i],
    ['userName sw (a search by its start)', 'userName sw "User7777"', /userName/i],
    [
      'meta.lastModified gt (delta sync)',
      `meta.lastModified gt "${new Date(Date.now() + 3_600_000).toISOString()}"`,
      /modified/i,
    ],
    [
      'many userName eq joined by or',
      Array.from({ length: 80 }, (_, i) => `userName eq "user${i * 601}@bench.example.com"`).join(
        ' or ',
      ),
      /userName/i,
    ],
    [
      '150 groups value filters joined by or',
      Array.from({ length: 150 }, (_, i) => `groups[value eq "${i}"]`).join(' or '),
      /scim_group_members|gm|PRIMARY|pkey/i,
    ],
  ];

  it.each(lookups)('%s uses its index', async (_what, filter, index) => {
    const plans = await plansOf(`/Users?filter=${encodeURIComponent(filter)}&count=10`);
    expect(plans.length).toBeGreaterThan(0);
    for (const plan of plans) {
      expect(plan).toMatch(index);
      if (t.engine === 'sqlite') {
        expect(plan).not.toMatch(/SCAN (u|scim_users)\b(?! USING)/);
        // A walk of the company's id index (a point lookup by id is fine).
        expect(plan).not.toMatch(/INDEX IX_scim_users_id \(companyId=\?\)/);
      } else {
        expect(plan).not.toMatch(/Seq Scan on scim_users/);
      }
    }
  });

  // Sorting (issue 16): the page is read from an index in the sort's order, not sorted out of
  // every user of the company (on PostgreSQL the keys are in the "C" collation the sort
  // compares in). Unlike a lookup, whether walking an index beats sorting depends on how many
  // users the company has, which only statistics tell PostgreSQL's planner: these run after
  // an ANALYZE, as autovacuum leaves a table this size (SQLite plans by rule and needs none).
  describe('sorts', () => {
    beforeAll(async () => {
      if (t.engine === 'postgres') await t.dataSource.query('ANALYZE "scim_users"');
    });

    it.each([
      ['userName', 'sortBy=userName', /userName/],
      ['userName, descending', 'sortBy=userName&sortOrder=descending', /userName/],
      ['name.familyName', 'sortBy=name.familyName', /familyName/],
      ['name.familyName, descending', 'sortBy=name.familyName&sortOrder=descending', /familyName/],
      ['displayName', 'sortBy=displayName', /displayName/],
    ])('sortBy %s reads a page of its index', async (_what, query, index) => {
      const plans = await plansOf(`/Users?${query}&count=100`);
      expect(plans.length).toBeGreaterThan(0);
      for (const plan of plans) {
        expect(plan).toMatch(index);
        if (t.engine === 'sqlite') {
          expect(plan).not.toMatch(/SCAN (u|scim_users)\b(?! USING)/);
          expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
        } else {
          expect(plan).not.toMatch(/Seq Scan on scim_users/);
          // Sorting ties of one key (Incremental Sort) is fine; a sort of the company is not.
          expect(plan).not.toMatch(/^\s*(->\s*)?Sort {2}\(/m);
        }
      }
    });

    it('a filtered sort finds its rows by the filter index, then sorts only those', async () => {
      const filter = encodeURIComponent('department eq "Department7"');
      const plans = await plansOf(`/Users?sortBy=name.familyName&filter=${filter}&count=100`);
      expect(plans.length).toBeGreaterThan(0);
      for (const plan of plans) {
        expect(plan).toMatch(/department/);
        expect(plan).not.toMatch(/SCAN (u|scim_users)\b(?! USING)|Seq Scan on scim_users/);
      }
    });
  });

  it('refuses a filter that would compare unindexed attributes on every user many times over', async () => {
    const filter = Array.from({ length: 20 }, (_, i) => `nickName eq "F${i}"`).join(' or ');
    const response = await scim.get(`/Users?filter=${encodeURIComponent(filter)}`).expect(400);
    expect(response.body).toMatchObject({ scimType: 'invalidFilter' });
    expect(response.body.detail).toContain('no index serves');
  });

  it('bounds unindexed comparisons by the company size: 5 pass at 100,000 users, 6 do not', async () => {
    const terms = (n: number) =>
      encodeURIComponent(
        Array.from({ length: n }, (_, i) => `displayName co "family${i}"`).join(' or '),
      );
    const allowed = await scim.get(`/Users?count=1&filter=${terms(5)}`).expect(200);
    expect(allowed.body.totalResults).toBeGreaterThan(0);
    const refused = await scim.get(`/Users?count=1&filter=${terms(6)}`).expect(400);
    expect(refused.body).toMatchObject({ scimType: 'invalidFilter' });
    expect(refused.body.detail).toContain('100000 users');
  });
});
