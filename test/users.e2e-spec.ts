import { v7 as uuidv7 } from 'uuid';
import { scimCompany, ScimCompany } from './factories/company.factory';
import { createUser, entraUser, oktaUser } from './factories/user.factory';
import {
  ENTERPRISE_SCHEMA,
  ERROR_SCHEMA,
  patchOp,
  scimClient,
  ScimClient,
  USER_SCHEMA,
} from './support/scim-client';
import { createTestApp, TestApp } from './support/test-app';

describe('SCIM Users', () => {
  let t: TestApp;
  let a: ScimCompany;
  let b: ScimCompany;
  let scimA: ScimClient;
  let scimB: ScimClient;

  beforeAll(async () => {
    t = await createTestApp();
    a = await scimCompany(t);
    b = await scimCompany(t);
    scimA = scimClient(t, a.scimToken);
    scimB = scimClient(t, b.scimToken);
  });
  afterAll(() => t.close());

  const members = (companyId: string, email: string) =>
    t.query<{
      status: string;
      source: string;
      managed: boolean | number;
      scimUserId: string | null;
      role: string;
    }>(
      `SELECT "status", "source", "managed", "scimUserId", "role" FROM "members" WHERE "companyId" = $1 AND "emailKey" = $2`,
      [companyId, email.toLowerCase()],
    );

  describe('create', () => {
    it('creates an Okta user: 201, Location, ETag, meta, and no password in the answer', async () => {
      const body = oktaUser();
      const response = await scimA.post('/Users', body).expect(201);
      expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(response.headers.location).toBe(
        `https://scim.test/api/scim/v2/Users/${response.body.id}`,
      );
      expect(response.headers.etag).toBe('W/"1"');
      expect(response.body).toEqual({
        schemas: [USER_SCHEMA],
        id: expect.any(String),
        externalId: body.externalId,
        userName: body.userName,
        name: body.name,
        emails: body.emails,
        displayName: body.displayName,
        locale: 'en-US',
        active: true,
        meta: {
          resourceType: 'User',
          created: expect.any(String),
          lastModified: response.body.meta.created,
          location: response.headers.location,
          version: 'W/"1"',
        },
      });
      expect(JSON.stringify(response.body)).not.toContain('tlpWENT2m');
    });

    it('creates an Entra user with the enterprise extension and string booleans', async () => {
      const response = await scimA
        .post(
          '/Users',
          entraUser({
            active: 'True',
            [ENTERPRISE_SCHEMA]: {
              employeeNumber: 701984,
              department: 'Eng',
              manager: { value: 'boss-1' },
            },
          }),
        )
        .expect(201);
      expect(response.body.schemas).toEqual([USER_SCHEMA, ENTERPRISE_SCHEMA]);
      expect(response.body.active).toBe(true);
      expect(response.body[ENTERPRISE_SCHEMA]).toEqual({
        employeeNumber: '701984',
        department: 'Eng',
        manager: { value: 'boss-1' },
      });
    });

    it('matches attribute names and schema URNs case-insensitively, ignores read-only and undefined attributes', async () => {
      const response = await scimA
        .post('/Users', {
          schemas: [USER_SCHEMA.toUpperCase()],
          USERNAME: 'Case.Test@Example.com',
          Name: { GivenName: 'Case' },
          id: 'chosen-by-client',
          meta: { created: '2001-01-01T00:00:00Z' },
          groups: [{ value: 'x' }],
          favouriteColour: 'blue',
        })
        .expect(201);
      expect(response.body.userName).toBe('Case.Test@Example.com');
      expect(response.body.name).toEqual({ givenName: 'Case' });
      expect(response.body.id).not.toBe('chosen-by-client');
      expect(response.body.meta.created).not.toMatch(/^2001/);
      expect(response.body.favouriteColour).toBeUndefined();
      expect(response.body.groups).toBeUndefined();
    });

    it('keeps attributes of an extension we do not define when it is listed in schemas', async () => {
      const custom = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
      const response = await scimA
        .post(
          '/Users',
          oktaUser({
            schemas: [USER_SCHEMA, custom],
            [custom]: { badge: 'A-17', floors: [3, 4] },
            'urn:unlisted:ext': { x: 1 },
          }),
        )
        .expect(201);
      expect(response.body.schemas).toEqual([USER_SCHEMA, custom]);
      expect(response.body[custom]).toEqual({ badge: 'A-17', floors: [3, 4] });
      expect(response.body['urn:unlisted:ext']).toBeUndefined();
      const read = await scimA.get(`/Users/${response.body.id}`).expect(200);
      expect(read.body[custom]).toEqual({ badge: 'A-17', floors: [3, 4] });
    });

    it('refuses a missing userName, a wrong type and a foreign schema with 400 and the scimType', async () => {
      const cases: [unknown, string, RegExp][] = [
        [
          { schemas: [USER_SCHEMA], name: { givenName: 'x' } },
          'invalidValue',
          /userName is required/,
        ],
        [oktaUser({ active: 'sometimes' }), 'invalidValue', /active must be a boolean/],
        [oktaUser({ name: 'just a string' }), 'invalidValue', /name must be an object/],
        [
          oktaUser({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'] }),
          'invalidValue',
          /schemas must include/,
        ],
        [[], 'invalidSyntax', /must be a User object/],
      ];
      for (const [body, scimType, detail] of cases) {
        const response = await scimA.post('/Users', body).expect(400);
        expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType });
        expect(response.body.detail).toMatch(detail);
      }
    });

    it('keeps userName unique per company, case-insensitively with Unicode folding (409 uniqueness)', async () => {
      await createUser(scimA, oktaUser({ userName: 'Émile.Straße@Example.com' }));
      for (const userName of [
        'émile.strasse@example.com',
        'ÉMILE.STRASSE@EXAMPLE.COM',
        'Émile.Straße@Example.com',
      ]) {
        const response = await scimA.post('/Users', oktaUser({ userName })).expect(409);
        expect(response.body).toMatchObject({
          schemas: [ERROR_SCHEMA],
          status: '409',
          scimType: 'uniqueness',
        });
      }
      // Another company may have the same person.
      await createUser(scimB, oktaUser({ userName: 'Émile.Straße@Example.com' }));
    });
  });

  describe('read and filter', () => {
    let people: { id: string; userName: string }[];
    let scim: ScimClient;

    beforeAll(async () => {
      const company = await scimCompany(t);
      scim = scimClient(t, company.scimToken);
      people = [];
      const specs = [
        {
          userName: 'alice@example.com',
          externalId: 'jyoung',
          name: { givenName: 'Alice', familyName: 'Young' },
          title: 'Engineer',
          emails: [
            { value: 'alice@example.com', type: 'work', primary: true },
            { value: 'alice@home.org', type: 'home' },
          ],
          [ENTERPRISE_SCHEMA]: { department: 'Engineering' },
        },
        {
          userName: 'bob@example.com',
          externalId: 'bsmith',
          name: { givenName: 'Bob', familyName: 'Smith' },
          title: 'Manager',
          active: false,
          emails: [{ value: 'bob@example.com', type: 'work' }],
          phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
        },
        {
          userName: 'carol@other.org',
          externalId: 'cdoe',
          name: { givenName: 'Carol', familyName: 'Doe' },
          emails: [{ value: 'carol@other.org', type: 'home' }],
          [ENTERPRISE_SCHEMA]: { department: 'Sales' },
        },
        {
          userName: 'dave@example.com',
          externalId: 'Dave',
          name: { givenName: 'Dave', familyName: 'Young' },
        },
        { userName: 'erin@example.com', externalId: 'erin', displayName: 'Erin Z' },
      ];
      for (const spec of specs)
        people.push(await createUser(scim, { schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA], ...spec }));
    });

    const ids = async (query: string) => {
      const response = await scim.get(`/Users?${query}`).expect(200);
      return (response.body.Resources as { userName: string }[])
        .map((user) => user.userName.split('@')[0])
        .sort();
    };
    const filter = (text: string) => ids(`filter=${encodeURIComponent(text)}`);

    it('answers GET /Users/{id}, 404 for an unknown id, 304 for an unchanged version', async () => {
      const response = await scim.get(`/Users/${people[0].id}`).expect(200);
      expect(response.body.userName).toBe('alice@example.com');
      expect(response.headers.etag).toBe('W/"1"');
      await scim.get(`/Users/${people[0].id}`).set('If-None-Match', 'W/"1"').expect(304);
      await scim.get(`/Users/${people[0].id}`).set('If-None-Match', 'W/"7"').expect(200);
      const missing = await scim.get('/Users/00000000-0000-0000-0000-000000000000').expect(404);
      expect(missing.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
    });

    it('filters with every operator, in the database', async () => {
      expect(await filter('userName eq "ALICE@example.com"')).toEqual(['alice']);
      expect(await filter('userName ne "alice@example.com"')).toEqual([
        'bob',
        'carol',
        'dave',
        'erin',
      ]);
      expect(await filter('userName co "@EXAMPLE"')).toEqual(['alice', 'bob', 'dave', 'erin']);
      expect(await filter('userName sw "c"')).toEqual(['carol']);
      // sw on an indexed column reads a range of its index; the prefix folds like the column.
      expect(await filter('userName sw "CAROL@O"')).toEqual(['carol']);
      expect(await filter('userName sw ""')).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
      expect(await filter('name.familyName sw "YOU"')).toEqual(['alice', 'dave']);
      expect(await filter('name.familyName eq "young" and name.givenName eq "DAVE"')).toEqual([
        'dave',
      ]);
      expect(await filter('department eq "engineering"')).toEqual(['alice']);
      expect(await filter(`${ENTERPRISE_SCHEMA}:department sw "s"`)).toEqual(['carol']);
      expect(await filter('userName ew "other.org"')).toEqual(['carol']);
      expect(await filter('userName gt "carol@other.org"')).toEqual(['dave', 'erin']);
      expect(await filter('userName ge "carol@other.org"')).toEqual(['carol', 'dave', 'erin']);
      expect(await filter('userName lt "bob@example.com"')).toEqual(['alice']);
      expect(await filter('userName le "bob@example.com"')).toEqual(['alice', 'bob']);
      expect(await filter('title pr')).toEqual(['alice', 'bob']);
      expect(await filter('displayName pr')).toEqual(['erin']);
    });

    it('compares externalId exactly (caseExact) and accepts unquoted values', async () => {
      expect(await filter('externalId eq jyoung')).toEqual(['alice']);
      expect(await filter('externalId eq "Dave"')).toEqual(['dave']);
      expect(await filter('externalId eq "dave"')).toEqual([]);
    });

    it('filters on sub-attributes, value paths, extensions, booleans and dates', async () => {
      expect(await filter('name.familyName eq "young"')).toEqual(['alice', 'dave']);
      expect(await filter('name.FamilyName EQ Young')).toEqual(['alice', 'dave']);
      expect(await filter('emails[type eq "work" and value co "@example.com"]')).toEqual([
        'alice',
        'bob',
      ]);
      expect(await filter('emails.value eq "ALICE@HOME.ORG"')).toEqual(['alice']);
      expect(await filter('emails[type eq "home"]')).toEqual(['alice', 'carol']);
      expect(await filter('emails pr')).toEqual(['alice', 'bob', 'carol']);
      expect(await filter('phoneNumbers[type eq "mobile" and value sw "+1"]')).toEqual(['bob']);
      expect(await filter(`${ENTERPRISE_SCHEMA}:department eq "engineering"`)).toEqual(['alice']);
      expect(await filter('department eq "Sales"')).toEqual(['carol']);
      expect(await filter('active eq false')).toEqual(['bob']);
      expect(await filter('active eq true')).toEqual(['alice', 'carol', 'dave', 'erin']);
      expect(await filter('meta.created gt "2000-01-01T00:00:00Z"')).toHaveLength(5);
      expect(await filter('meta.lastModified lt "2000-01-01T00:00:00Z"')).toEqual([]);
      expect(await filter('meta.resourceType eq "User"')).toHaveLength(5);
    });

    it('honours precedence, parentheses and not', async () => {
      expect(await filter('userName sw "a" or userName sw "b" and active eq true')).toEqual([
        'alice',
      ]);
      expect(await filter('(userName sw "a" or userName sw "b") and active eq true')).toEqual([
        'alice',
      ]);
      expect(await filter('(userName sw "a" or userName sw "b") and not (active eq true)')).toEqual(
        ['bob'],
      );
      expect(await filter('not (emails pr)')).toEqual(['dave', 'erin']);
    });

    it('refuses a bad filter with 400 invalidFilter that says where', async () => {
      for (const [text, detail] of [
        ['userName eq', /Expected a value/],
        ['userName zz "x"', /Unknown operator "zz" at position 10/],
        ['favouriteColour eq "blue"', /"favouriteColour" is not an attribute of User/],
        ['active gt true', /only eq and ne apply/],
        ['meta.created gt "yesterday"', /compares with a date/],
        ['name eq "x"', /name is complex/],
      ] as const) {
        const response = await scim.get(`/Users?filter=${encodeURIComponent(text)}`).expect(400);
        expect(response.body).toMatchObject({
          schemas: [ERROR_SCHEMA],
          status: '400',
          scimType: 'invalidFilter',
        });
        expect(response.body.detail).toMatch(detail);
      }
    });

    it('pages with startIndex and count (integers, 1-based, stable), and count=0 gives only totalResults', async () => {
      const first = await scim.get('/Users?startIndex=1&count=2').expect(200);
      const second = await scim.get('/Users?startIndex=3&count=2').expect(200);
      const third = await scim.get('/Users?startIndex=5&count=2').expect(200);
      expect(first.body).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 2 });
      expect(third.body).toMatchObject({ totalResults: 5, startIndex: 5, itemsPerPage: 1 });
      const seen = [...first.body.Resources, ...second.body.Resources, ...third.body.Resources].map(
        (user: { id: string }) => user.id,
      );
      expect(new Set(seen).size).toBe(5);
      const none = await scim.get('/Users?count=0').expect(200);
      expect(none.body).toEqual({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
        totalResults: 5,
        startIndex: 1,
        itemsPerPage: 0,
        Resources: [],
      });
      const clamped = await scim.get('/Users?startIndex=0&count=-3').expect(200);
      expect(clamped.body).toMatchObject({ startIndex: 1, itemsPerPage: 0 });
      await scim.get('/Users?count=ten').expect(400);
      const filtered = await scim
        .get(`/Users?filter=${encodeURIComponent('userName co "example"')}&count=1`)
        .expect(200);
      expect(filtered.body).toMatchObject({ totalResults: 4, itemsPerPage: 1 });
    });

    it('pages the same after a write between pages (remembered page starts are dropped on writes)', async () => {
      const firstPage = await scim.get('/Users?startIndex=1&count=2&sortBy=userName').expect(200);
      expect(
        firstPage.body.Resources.map((user: { userName: string }) => user.userName[0]).join(''),
      ).toBe('ab');
      const extra = await createUser(scim, {
        schemas: [USER_SCHEMA],
        userName: 'aaron@example.com',
      });
      const second = await scim.get('/Users?startIndex=3&count=2&sortBy=userName').expect(200);
      expect(
        second.body.Resources.map((user: { userName: string }) => user.userName.slice(0, 2)).join(
          ',',
        ),
      ).toBe('bo,ca');
      await scim.delete(`/Users/${extra.id}`).expect(204);
      const again = await scim.get('/Users?startIndex=3&count=2&sortBy=userName').expect(200);
      expect(
        again.body.Resources.map((user: { userName: string }) => user.userName[0]).join(''),
      ).toBe('cd');
      const repeat = await scim.get('/Users?startIndex=3&count=2&sortBy=userName').expect(200);
      expect(repeat.body.Resources).toEqual(again.body.Resources);
    });

    it('sorts by any singular attribute, ascending or descending, absent values last', async () => {
      const byUserName = await scim.get('/Users?sortBy=userName&sortOrder=descending').expect(200);
      expect(
        byUserName.body.Resources.map((user: { userName: string }) => user.userName[0]).join(''),
      ).toBe('edcba');
      const byFamily = await scim.get('/Users?sortBy=name.familyName').expect(200);
      // Doe, Smith, Young, Young (tie broken by id, so creation order), then Erin without one.
      expect(
        byFamily.body.Resources.map((user: { userName: string }) => user.userName[0]).join(''),
      ).toBe('cbade');
      const byFamilyDescending = await scim
        .get('/Users?sortBy=name.familyName&sortOrder=descending')
        .expect(200);
      expect(
        byFamilyDescending.body.Resources.map(
          (user: { userName: string }) => user.userName[0],
        ).join(''),
      ).toBe('edabc');
      await scim.get('/Users?sortBy=emails').expect(400);
      await scim.get('/Users?sortOrder=sideways').expect(400);
    });

    it('pages by cursor (RFC 9865): nextCursor until the end, each user once', async () => {
      const seen: string[] = [];
      let cursor = '';
      for (let pages = 0; pages < 10; pages++) {
        const response = await scim
          .get(`/Users?count=2&cursor=${encodeURIComponent(cursor)}&sortBy=userName`)
          .expect(200);
        expect(response.body.totalResults).toBe(5);
        seen.push(...response.body.Resources.map((user: { userName: string }) => user.userName[0]));
        if (!response.body.nextCursor) break;
        cursor = response.body.nextCursor;
      }
      expect(seen.join('')).toBe('abcde');
      const bad = await scim.get('/Users?cursor=garbage').expect(400);
      expect(bad.body.scimType).toBe('invalidCursor');
    });

    it('projects attributes and excludedAttributes, sub-attributes and value paths', async () => {
      const only = await scim
        .get(`/Users/${people[0].id}?attributes=userName,name.givenName`)
        .expect(200);
      expect(only.body).toEqual({
        schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
        id: people[0].id,
        userName: 'alice@example.com',
        name: { givenName: 'Alice' },
      });
      const work = await scim
        .get(`/Users/${people[0].id}?attributes=${encodeURIComponent('emails[type eq "work"]')}`)
        .expect(200);
      expect(work.body.emails).toEqual([
        { value: 'alice@example.com', type: 'work', primary: true },
      ]);
      const without = await scim
        .get(
          `/Users/${people[0].id}?excludedAttributes=emails,meta,${ENTERPRISE_SCHEMA}:department`,
        )
        .expect(200);
      expect(without.body.emails).toBeUndefined();
      expect(without.body.meta).toBeUndefined();
      expect(without.body.id).toBe(people[0].id);
      expect(without.body[ENTERPRISE_SCHEMA]).toBeUndefined();
      const list = await scim
        .get(
          `/Users?filter=${encodeURIComponent('userName eq "alice@example.com"')}&attributes=userName`,
        )
        .expect(200);
      expect(list.body.Resources).toEqual([
        {
          schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
          id: people[0].id,
          userName: 'alice@example.com',
        },
      ]);
      await scim.get(`/Users/${people[0].id}?attributes=nope`).expect(400);
    });

    it('searches with POST /Users/.search and POST /.search', async () => {
      const body = {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        attributes: ['userName'],
        filter: 'name.familyName eq "Young"',
        sortBy: 'userName',
        startIndex: 1,
        count: 10,
      };
      const response = await scim.post('/Users/.search', body).expect(200);
      expect(response.body.Resources.map((user: { userName: string }) => user.userName)).toEqual([
        'alice@example.com',
        'dave@example.com',
      ]);
      const root = await scim.post('/.search', body).expect(200);
      expect(root.body.totalResults).toBe(2);
    });
  });

  describe('totalResults', () => {
    it('is exact on full, partial, past-the-end and cursor pages, with or without a COUNT', async () => {
      for (let i = 0; i < 5; i++) {
        await createUser(scimA, oktaUser({ userName: `total.${i}@count.example.com` }));
      }
      const filter = encodeURIComponent('userName sw "total."');
      const page = async (query: string) =>
        (await scimA.get(`/Users?filter=${filter}&${query}`).expect(200)).body as {
          totalResults: number;
          Resources: unknown[];
        };
      for (const [query, rows] of [
        ['count=2', 2], // full page: the total needs a COUNT
        ['count=10', 5], // partial first page: the page is the total
        ['startIndex=5&count=2', 1], // partial later page
        ['startIndex=9&count=2', 0], // past the end
        ['startIndex=3&count=3', 3], // exactly the rest
        ['cursor=&count=10', 5],
        ['cursor=&count=2', 2],
      ] as const) {
        const body = await page(query);
        expect({ query, total: body.totalResults, rows: body.Resources.length }).toEqual({
          query,
          total: 5,
          rows,
        });
      }
      const none = await scimA
        .get(`/Users?filter=${encodeURIComponent('userName eq "nobody@count.example.com"')}`)
        .expect(200);
      expect(none.body.totalResults).toBe(0);
    });
  });

  describe('replace, patch, delete', () => {
    it('PUT replaces every writable attribute and bumps the version', async () => {
      const user = await createUser(scimA, oktaUser({ title: 'Intern' }));
      const response = await scimA
        .put(`/Users/${user.id}`, {
          schemas: [USER_SCHEMA],
          userName: user.userName,
          active: true,
          displayName: 'Renamed',
        })
        .expect(200);
      expect(response.body.title).toBeUndefined();
      expect(response.body.displayName).toBe('Renamed');
      expect(response.body.meta.version).toBe('W/"2"');
      expect(response.headers.etag).toBe('W/"2"');
      expect(response.body.id).toBe(user.id);
    });

    it('If-Match with a stale version is 412 and changes nothing', async () => {
      const user = await createUser(scimA);
      await scimA
        .patch(`/Users/${user.id}`, patchOp({ op: 'replace', path: 'title', value: 'One' }))
        .set('If-Match', 'W/"1"')
        .expect(200);
      const stale = await scimA
        .patch(`/Users/${user.id}`, patchOp({ op: 'replace', path: 'title', value: 'Two' }))
        .set('If-Match', 'W/"1"')
        .expect(412);
      expect(stale.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '412' });
      await scimA
        .put(`/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: user.userName })
        .set('If-Match', 'W/"1"')
        .expect(412);
      await scimA.delete(`/Users/${user.id}`).set('If-Match', 'W/"1"').expect(412);
      const read = await scimA.get(`/Users/${user.id}`).expect(200);
      expect(read.body.title).toBe('One');
      await scimA.delete(`/Users/${user.id}`).set('If-Match', read.headers.etag).expect(204);
    });

    it("applies Okta's deactivation and Entra's PATCH shapes", async () => {
      const user = await createUser(
        scimA,
        entraUser({ [ENTERPRISE_SCHEMA]: { department: 'Eng' } }),
      );
      const entra = await scimA
        .patch(
          `/Users/${user.id}`,
          patchOp(
            {
              op: 'Replace',
              path: 'emails[type eq "work"].value',
              value: 'updatedEmail@microsoft.com',
            },
            { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
            { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 425 555 0100' },
            {
              op: 'replace',
              value: { 'name.givenName': 'Given', [`${ENTERPRISE_SCHEMA}:department`]: 'Sales' },
            },
            { op: 'Add', path: `${ENTERPRISE_SCHEMA}:manager`, value: 'manager-id' },
          ),
        )
        .expect(200);
      expect(entra.body.emails).toEqual([
        { primary: true, type: 'work', value: 'updatedEmail@microsoft.com' },
      ]);
      expect(entra.body.name).toMatchObject({
        familyName: 'updatedFamilyName',
        givenName: 'Given',
      });
      expect(entra.body.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 425 555 0100' }]);
      expect(entra.body[ENTERPRISE_SCHEMA]).toEqual({
        department: 'Sales',
        manager: { value: 'manager-id' },
      });

      const okta = await scimA
        .patch(`/Users/${user.id}`, patchOp({ op: 'replace', value: { active: false } }))
        .expect(200);
      expect(okta.body.active).toBe(false);
      const entraActive = await scimA
        .patch(`/Users/${user.id}`, patchOp({ op: 'Replace', path: 'active', value: 'True' }))
        .expect(200);
      expect(entraActive.body.active).toBe(true);
    });

    it('treats an empty Operations list as a no-op, and applies all operations or none', async () => {
      const user = await createUser(scimA, oktaUser({ title: 'Before' }));
      const noop = await scimA.patch(`/Users/${user.id}`, patchOp()).expect(200);
      expect(noop.body.meta.version).toBe('W/"1"');
      const failed = await scimA
        .patch(
          `/Users/${user.id}`,
          patchOp(
            { op: 'replace', path: 'title', value: 'After' },
            { op: 'replace', path: 'emails[type eq "fax"].value', value: 'x' },
          ),
        )
        .expect(400);
      expect(failed.body.scimType).toBe('noTarget');
      for (const [operation, scimType] of [
        [{ op: 'replace', path: 'id', value: 'x' }, 'mutability'],
        [{ op: 'remove' }, 'noTarget'],
        [{ op: 'replace', path: 'bad[', value: 1 }, 'invalidPath'],
        [{ op: 'replace', path: 'active', value: 'perhaps' }, 'invalidValue'],
        [{ op: 'jump', path: 'title' }, 'invalidSyntax'],
      ] as const) {
        const response = await scimA.patch(`/Users/${user.id}`, patchOp(operation)).expect(400);
        expect(response.body.scimType).toBe(scimType);
      }
      const read = await scimA.get(`/Users/${user.id}`).expect(200);
      expect(read.body.title).toBe('Before');
      expect(read.body.meta.version).toBe('W/"1"');
    });

    it('renaming to a taken userName is 409 and changes nothing', async () => {
      const first = await createUser(scimA);
      const second = await createUser(scimA);
      const response = await scimA
        .patch(
          `/Users/${second.id}`,
          patchOp({ op: 'replace', path: 'userName', value: first.userName.toUpperCase() }),
        )
        .expect(409);
      expect(response.body.scimType).toBe('uniqueness');
      expect((await scimA.get(`/Users/${second.id}`).expect(200)).body.userName).toBe(
        second.userName,
      );
    });

    it('DELETE answers 204, then the user is gone (404)', async () => {
      const user = await createUser(scimA);
      await scimA.delete(`/Users/${user.id}`).expect(204);
      await scimA.get(`/Users/${user.id}`).expect(404);
      await scimA.delete(`/Users/${user.id}`).expect(404);
    });

    it('answers 405 for methods the RFC does not define on a path', async () => {
      const user = await createUser(scimA);
      const put = await scimA.put('/Users', {}).expect(405);
      expect(put.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '405' });
      expect(put.headers.allow).toBe('GET, POST');
      await scimA.delete('/Users').expect(405);
      await scimA.post(`/Users/${user.id}`, {}).expect(405);
    });
  });

  describe('access follows the IdP', () => {
    it('creates a managed member from userName, suspends it on active=false, restores it, deprovisions it on DELETE', async () => {
      const user = await createUser(scimA, oktaUser({ userName: 'Follow.Me@Example.com' }));
      expect(await members(a.companyId, 'follow.me@example.com')).toEqual([
        {
          status: 'active',
          source: 'scim',
          managed: expect.anything(),
          scimUserId: user.id,
          role: 'member',
        },
      ]);
      expect(Boolean((await members(a.companyId, 'follow.me@example.com'))[0].managed)).toBe(true);
      await scimA
        .patch(`/Users/${user.id}`, patchOp({ op: 'replace', path: 'active', value: false }))
        .expect(200);
      expect((await members(a.companyId, 'follow.me@example.com'))[0].status).toBe('suspended');
      const stillThere = await scimA
        .get(`/Users?filter=${encodeURIComponent('userName eq "follow.me@example.com"')}`)
        .expect(200);
      expect(stillThere.body.Resources[0].active).toBe(false);
      await scimA
        .put(`/Users/${user.id}`, {
          schemas: [USER_SCHEMA],
          userName: 'Follow.Me@Example.com',
          active: true,
        })
        .expect(200);
      expect((await members(a.companyId, 'follow.me@example.com'))[0].status).toBe('active');
      await scimA.delete(`/Users/${user.id}`).expect(204);
      expect(await members(a.companyId, 'follow.me@example.com')).toEqual([
        expect.objectContaining({ status: 'deprovisioned', scimUserId: null }),
      ]);
    });

    it('links an existing member case-insensitively, keeping its source', async () => {
      const now = Date.now();
      await t.query(
        `INSERT INTO "members" ("id", "companyId", "email", "emailKey", "role", "status", "source", "managed", "scimUserId", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, 'admin', 'active', 'sso', $5, NULL, $6, $7)`,
        [
          uuidv7(),
          a.companyId,
          'Existing@Example.com',
          'existing@example.com',
          t.engine === 'postgres' ? false : 0,
          now,
          now,
        ],
      );
      const user = await createUser(scimA, oktaUser({ userName: 'EXISTING@example.com' }));
      expect(await members(a.companyId, 'existing@example.com')).toEqual([
        expect.objectContaining({
          status: 'active',
          source: 'sso',
          scimUserId: user.id,
          role: 'admin',
        }),
      ]);
    });

    it('falls back to the primary email when userName is not one; a user without email is stored but not linked', async () => {
      const user = await createUser(
        scimA,
        oktaUser({
          userName: 'OMalley',
          emails: [{ value: 'omalley@example.com', type: 'work', primary: true }],
        }),
      );
      expect(await members(a.companyId, 'omalley@example.com')).toEqual([
        expect.objectContaining({ scimUserId: user.id }),
      ]);
      const unlinked = await createUser(
        scimA,
        oktaUser({ userName: 'no-email-person', emails: undefined }),
      );
      const rows = await t.query(`SELECT COUNT(*) AS "n" FROM "members" WHERE "scimUserId" = $1`, [
        unlinked.id,
      ]);
      expect(Number(rows[0].n)).toBe(0);
    });

    it('re-links on a userName change: the old email loses access, the new one gains it', async () => {
      const user = await createUser(
        scimA,
        oktaUser({ userName: 'old.name@example.com', emails: [] }),
      );
      await scimA
        .patch(
          `/Users/${user.id}`,
          patchOp({ op: 'replace', path: 'userName', value: 'new.name@example.com' }),
        )
        .expect(200);
      expect((await members(a.companyId, 'old.name@example.com'))[0]).toMatchObject({
        status: 'deprovisioned',
        scimUserId: null,
      });
      expect((await members(a.companyId, 'new.name@example.com'))[0]).toMatchObject({
        status: 'active',
        scimUserId: user.id,
      });
    });
  });

  describe('tenant isolation', () => {
    it("never shows or changes another company's users", async () => {
      const user = await createUser(scimA, oktaUser({ userName: 'only.in.a@example.com' }));
      await scimB.get(`/Users/${user.id}`).expect(404);
      await scimB
        .put(`/Users/${user.id}`, { schemas: [USER_SCHEMA], userName: 'stolen@example.com' })
        .expect(404);
      await scimB
        .patch(`/Users/${user.id}`, patchOp({ op: 'replace', path: 'active', value: false }))
        .expect(404);
      await scimB.delete(`/Users/${user.id}`).expect(404);
      const search = await scimB
        .get(`/Users?filter=${encodeURIComponent('userName eq "only.in.a@example.com"')}`)
        .expect(200);
      expect(search.body.totalResults).toBe(0);
      const all = await scimB.get('/Users?count=1000').expect(200);
      expect(all.body.Resources.some((resource: { id: string }) => resource.id === user.id)).toBe(
        false,
      );
      const read = await scimA.get(`/Users/${user.id}`).expect(200);
      expect(read.body).toMatchObject({
        userName: 'only.in.a@example.com',
        active: true,
        meta: { version: 'W/"1"' },
      });
      expect(await members(b.companyId, 'only.in.a@example.com')).toEqual([]);
    });
  });
});
