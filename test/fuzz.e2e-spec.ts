import fc from 'fast-check';
import { scimCompany } from './factories/company.factory';
import { createGroup, oktaGroup } from './factories/group.factory';
import { createUser, oktaUser } from './factories/user.factory';
import { ERROR_SCHEMA, scimClient, ScimClient } from './support/scim-client';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Generated input (valid, nearly valid and hostile) sent to the real app: every answer is a
 * 2xx or a 4xx with a SCIM error body, never a 500, and the other company never changes.
 */
describe('fuzzing the SCIM API', () => {
  let t: TestApp;
  let scim: ScimClient;
  let other: ScimClient;
  let userId: string;
  let groupId: string;
  let otherBefore: string;
  let token: string;

  const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

  beforeAll(async () => {
    t = await createTestApp();
    const a = await scimCompany(t);
    const b = await scimCompany(t);
    token = a.scimToken;
    scim = scimClient(t, a.scimToken);
    other = scimClient(t, b.scimToken);
    userId = (await createUser(scim)).id;
    groupId = (await createGroup(scim, oktaGroup({ members: [{ value: userId }] }))).id;
    await createUser(other, oktaUser({ userName: 'bystander@example.com' }));
    otherBefore = JSON.stringify((await other.get('/Users').expect(200)).body.Resources);
  });
  afterAll(async () => {
    expect(JSON.stringify((await other.get('/Users').expect(200)).body.Resources)).toBe(
      otherBefore,
    );
    await t.close();
  });

  const wellFormed = (response: { status: number; body: Record<string, unknown> }) => {
    expect(response.status).toBeLessThan(500);
    if (response.status >= 400) {
      expect(response.body.schemas).toEqual([ERROR_SCHEMA]);
      expect(response.body.status).toBe(String(response.status));
    }
  };

  const hostileString = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      '\u0000',
      '\uD800',
      '\uFFFF',
      'é',
      'ß',
      '"',
      '\\',
      '[',
      ']',
      '(',
      ')',
      "' OR 1=1 --",
      '%',
      '_',
      'x'.repeat(5000),
    ),
  );
  const attribute = fc.constantFrom(
    'userName',
    'name.givenName',
    'emails',
    'emails.value',
    'emails.type',
    'active',
    'meta.created',
    'meta.lastModified',
    'externalId',
    'id',
    'groups.value',
    'phoneNumbers.value',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
    'title',
    'x',
    '__proto__',
    'name',
    'meta.resourceType',
    'displayName',
  );
  const operator = fc.constantFrom(
    'eq',
    'ne',
    'co',
    'sw',
    'ew',
    'gt',
    'ge',
    'lt',
    'le',
    'pr',
    'EQ',
    'like',
    '',
  );
  const value = fc.oneof(
    hostileString.map((s) => JSON.stringify(s)),
    fc.constantFrom('true', 'false', 'null', '42', '-1.5e3', '"2020-01-01T00:00:00Z"', 'unquoted'),
  );
  const filter = fc.oneof(
    fc
      .tuple(attribute, operator, value)
      .map(([a, o, v]) => `${a} ${o} ${o === 'pr' ? '' : v}`.trim()),
    fc
      .tuple(attribute, operator, value, fc.constantFrom('and', 'or'), attribute, value)
      .map(([a, o, v, l, b, w]) => `(${a} ${o} ${v}) ${l} not (${b} eq ${w})`),
    fc
      .tuple(fc.constantFrom('emails', 'phoneNumbers', 'groups', 'name'), attribute, value)
      .map(([m, a, v]) => `${m}[${a.split('.').pop()} eq ${v}]`),
    fc.nat({ max: 60 }).map((depth) => '('.repeat(depth) + 'userName pr' + ')'.repeat(depth)),
    hostileString,
  );

  it('answers generated filters, sorts and pages without a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        filter,
        fc.option(attribute, { nil: undefined }),
        // Page numbers as attackers send them too: huge, exponent notation, past any integer.
        fc.oneof(
          fc.integer({ min: -5, max: 5000 }),
          fc.constantFrom('1e308', '99999999999999999999', '-1e308', '2147483648', '1.5', 'NaN'),
        ),
        async (text, sortBy, startIndex) => {
          // Through .search, so the filter can hold anything JSON can carry (lone surrogates too).
          wellFormed(
            await scim.post('/Users/.search', {
              filter: text,
              startIndex,
              count: 5,
              ...(sortBy ? { sortBy } : {}),
            }),
          );
          if (!/[\uD800-\uDFFF]/.test(text)) {
            wellFormed(
              await scim.get(
                `/Users?filter=${encodeURIComponent(text)}&startIndex=${startIndex}&count=5`,
              ),
            );
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);

  const patchValue = fc.oneof(
    hostileString,
    fc.boolean(),
    fc.constant(null),
    fc.integer(),
    fc.array(fc.record({ value: hostileString, type: hostileString, primary: fc.boolean() }), {
      maxLength: 3,
    }),
    fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
  );
  const patchPath = fc.oneof(
    attribute,
    fc
      .tuple(fc.constantFrom('emails', 'members', 'phoneNumbers'), attribute, value)
      .map(([m, a, v]) => `${m}[${a} eq ${v}]`),
    // Schema URNs as whole paths (issue 11): an extension as one complex value, the core URN.
    fc.constantFrom(
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER',
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:core:2.0:Group',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
    ),
    hostileString,
  );
  // Removes that leave an optional attribute unassigned (RFC 7644 §3.5.2.2).
  const unassigningRemove = fc.record({
    op: fc.constant('remove'),
    path: fc.constantFrom(
      'active',
      'displayName',
      'externalId',
      'title',
      'name.givenName',
      'name',
      'members',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    ),
  });
  const operation = fc.record({
    op: fc.constantFrom('add', 'replace', 'remove', 'Add', 'REPLACE', 'delete', ''),
    path: fc.option(patchPath, { nil: undefined }),
    value: patchValue,
  });
  const patchBody = fc.oneof(
    fc.record({
      schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:PatchOp']),
      Operations: fc.array(fc.oneof(operation, unassigningRemove), { maxLength: 4 }),
    }),
    fc.dictionary(hostileString, patchValue, { maxKeys: 3 }),
    fc.constantFrom(null, [], 'text', 42),
  );

  it('answers generated PATCH documents to a user and a group without a 500', async () => {
    await fc.assert(
      fc.asyncProperty(patchBody, fc.boolean(), async (body, toGroup) => {
        wellFormed(await scim.patch(toGroup ? `/Groups/${groupId}` : `/Users/${userId}`, body));
      }),
      { numRuns: RUNS },
    );
    await scim.get(`/Users/${userId}`).expect(200);
  }, 600_000);

  const nested = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      hostileString,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('v'), { maxLength: 3 }),
      fc.dictionary(hostileString, tie('v'), { maxKeys: 3 }),
    ),
  })).v;
  const resourceBody = fc.oneof(
    fc.record({
      schemas: fc.oneof(
        fc.constant(['urn:ietf:params:scim:schemas:core:2.0:User']),
        fc.array(hostileString, { maxLength: 2 }),
      ),
      userName: fc.oneof(hostileString, fc.integer(), fc.constant(null)),
      name: nested,
      emails: nested,
      active: fc.oneof(fc.boolean(), hostileString),
      __proto__: nested,
    }),
    fc.dictionary(hostileString, nested, { maxKeys: 5 }),
    nested,
  );

  it('answers bodies that are not UTF-8, not JSON or nested thousands deep with a SCIM error', async () => {
    const deep = (depth: number, open: string, close: string) =>
      Buffer.from(open.repeat(depth) + close.repeat(depth));
    for (const raw of [
      deep(5000, '[', ']'),
      deep(3000, '{"a":', '}'),
      Buffer.from(
        `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"d@x.y","name":${'['.repeat(100)}${']'.repeat(100)}}`,
      ),
      Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
      Buffer.from('{"userName": "a\\ud800"'),
      Buffer.from('\u0000'),
    ]) {
      const response = await t.http
        .post('/api/scim/v2/Users')
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'application/scim+json')
        .send(raw);
      expect(response.status).toBeLessThan(500);
    }
  });

  it('answers generated resource bodies (POST and PUT) without a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        resourceBody,
        fc.constantFrom('post-user', 'put-user', 'post-group'),
        async (body, target) => {
          const response =
            target === 'post-user'
              ? await scim.post('/Users', body)
              : target === 'put-user'
                ? await scim.put(`/Users/${userId}`, body)
                : await scim.post('/Groups', body);
          wellFormed(response);
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
  const bulkId = fc.constantFrom('a', 'b', 'c', '__proto__', '');
  const bulkOperation = fc.record({
    method: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'post', 'GET', ''),
    bulkId: fc.option(bulkId, { nil: undefined }),
    version: fc.option(fc.oneof(hostileString, fc.constant('W/"1"')), { nil: undefined }),
    path: fc.oneof(
      fc.constantFrom('/Users', '/Groups', `/Users/${'bulkId:a'}`, '/Groups/bulkId:b', '/Users/x'),
      fc.constant('/Users/USER'),
      fc.constant('/Groups/GROUP'),
      hostileString,
    ),
    data: fc.oneof(
      resourceBody,
      patchBody,
      fc.record({
        schemas: fc.constant(['urn:ietf:params:scim:schemas:core:2.0:Group']),
        displayName: hostileString,
        members: fc.array(
          fc.record({
            value: fc.oneof(
              bulkId.map((id) => `bulkId:${id}`),
              hostileString,
            ),
          }),
          { maxLength: 3 },
        ),
      }),
    ),
  });
  const bulkBody = fc.oneof(
    fc.record({
      schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:BulkRequest']),
      failOnErrors: fc.option(fc.oneof(fc.integer({ min: -1, max: 3 }), hostileString), {
        nil: undefined,
      }),
      Operations: fc.array(bulkOperation, { maxLength: 5 }),
    }),
    nested,
  );

  it('answers generated Bulk requests without a 500, in the whole or in any operation', async () => {
    await fc.assert(
      fc.asyncProperty(bulkBody, async (body) => {
        const text = JSON.stringify(body)
          .replaceAll('/Users/USER', `/Users/${userId}`)
          .replaceAll('/Groups/GROUP', `/Groups/${groupId}`);
        const response = await scim.post('/Bulk', JSON.parse(text));
        wellFormed(response);
        if (response.status === 200) {
          for (const operation of response.body.Operations as { status: string }[]) {
            expect(Number(operation.status)).toBeLessThan(500);
          }
        }
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
});
