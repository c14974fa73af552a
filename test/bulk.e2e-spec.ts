import { scimCompany, ScimCompany } from './factories/company.factory';
import { GROUP_SCHEMA } from './factories/group.factory';
import { createUser, oktaUser } from './factories/user.factory';
import { ERROR_SCHEMA, patchOp, scimClient, ScimClient } from './support/scim-client';
import { createTestApp, TestApp } from './support/test-app';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

const bulk = (Operations: unknown[], extra: Record<string, unknown> = {}) => ({
  schemas: [BULK_REQUEST],
  Operations,
  ...extra,
});

describe('SCIM Bulk (RFC 7644 §3.7)', () => {
  let t: TestApp;
  let a: ScimCompany;
  let b: ScimCompany;
  let scimA: ScimClient;
  let scimB: ScimClient;

  beforeAll(async () => {
    t = await createTestApp({
      SCIM_BULK_MAX_OPERATIONS: '20',
      SCIM_BULK_MAX_PAYLOAD_BYTES: '20000',
    });
    a = await scimCompany(t);
    b = await scimCompany(t);
    scimA = scimClient(t, a.scimToken);
    scimB = scimClient(t, b.scimToken);
  });
  afterAll(() => t.close());

  const userCount = async (companyId: string) =>
    Number(
      (
        await t.query<{ n: string }>(
          'SELECT COUNT(*) AS n FROM scim_users WHERE "companyId" = $1',
          [companyId],
        )
      )[0].n,
    );

  it('advertises bulk with its limits in ServiceProviderConfig', async () => {
    const response = await scimA.get('/ServiceProviderConfig').expect(200);
    expect(response.body.bulk).toEqual({
      supported: true,
      maxOperations: 20,
      maxPayloadSize: 20000,
    });
  });

  it('creates users and a group that refers to them by bulkId, forward references included', async () => {
    const first = oktaUser();
    const second = oktaUser();
    const response = await scimA
      .post(
        '/Bulk',
        bulk([
          // The group comes first and names users created after it: the server reorders.
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'team',
            data: {
              schemas: [GROUP_SCHEMA],
              displayName: 'Bulk Team',
              members: [{ type: 'User', value: 'bulkId:u1' }, { value: 'bulkId:u2' }],
            },
          },
          { method: 'POST', path: '/Users', bulkId: 'u1', data: first },
          { method: 'POST', path: '/Users', bulkId: 'u2', data: second },
          {
            method: 'PATCH',
            path: '/Users/bulkId:u2',
            data: patchOp({ op: 'replace', path: 'displayName', value: 'Renamed In Bulk' }),
          },
        ]),
      )
      .expect(200);
    expect(response.headers['content-type']).toMatch(/application\/scim\+json/);
    expect(response.body.schemas).toEqual([BULK_RESPONSE]);
    const [group, u1, u2, patched] = response.body.Operations;
    expect(group).toMatchObject({
      method: 'POST',
      bulkId: 'team',
      status: '201',
      version: 'W/"1"',
    });
    expect(u1).toMatchObject({ method: 'POST', bulkId: 'u1', status: '201' });
    expect(u2).toMatchObject({ method: 'POST', bulkId: 'u2', status: '201' });
    expect(patched).toMatchObject({ method: 'PATCH', status: '200', version: 'W/"2"' });
    const u1Id = u1.location.split('/').pop();
    const u2Id = u2.location.split('/').pop();
    expect(u1.location).toBe(`https://scim.test/api/scim/v2/Users/${u1Id}`);
    expect(patched.location).toBe(u2.location);

    const groupRead = await scimA.get(`/Groups/${group.location.split('/').pop()}`).expect(200);
    expect(groupRead.body.members.map((member: { value: string }) => member.value).sort()).toEqual(
      [u1Id, u2Id].sort(),
    );
    const userRead = await scimA.get(`/Users/${u2Id}`).expect(200);
    expect(userRead.body).toMatchObject({
      userName: second.userName,
      displayName: 'Renamed In Bulk',
    });
    // Access follows the IdP exactly as for single requests: both are active members.
    const members = await t.query<{ email: string; status: string }>(
      'SELECT email, status FROM members WHERE "companyId" = $1 AND email IN ($2, $3)',
      [a.companyId, first.userName.toLowerCase(), second.userName.toLowerCase()],
    );
    expect(members.map((member) => member.status)).toEqual(['active', 'active']);
  });

  it('answers each operation on its own: errors carry SCIM bodies, successes stay', async () => {
    const existing = await createUser(scimA);
    const fresh = oktaUser();
    const response = await scimA
      .post(
        '/Bulk',
        bulk([
          {
            method: 'POST',
            path: '/Users',
            bulkId: 'dup',
            data: oktaUser({ userName: existing.userName }),
          },
          { method: 'POST', path: '/Users', bulkId: 'ok', data: fresh },
          {
            method: 'PUT',
            path: `/Users/${existing.id}`,
            version: 'W/"9"',
            data: oktaUser({ userName: existing.userName }),
          },
          { method: 'DELETE', path: '/Users/00000000-0000-0000-0000-000000000000' },
          {
            method: 'POST',
            path: '/Users',
            bulkId: 'bad',
            data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] },
          },
          { method: 'DELETE', path: `/Users/${existing.id}`, version: existing.meta.version },
        ]),
      )
      .expect(200);
    const statuses = response.body.Operations.map(
      (operation: { status: string }) => operation.status,
    );
    expect(statuses).toEqual(['409', '201', '412', '404', '400', '204']);
    expect(response.body.Operations[0].response).toMatchObject({
      schemas: [ERROR_SCHEMA],
      status: '409',
      scimType: 'uniqueness',
    });
    expect(response.body.Operations[2]).toMatchObject({
      location: `https://scim.test/api/scim/v2/Users/${existing.id}`,
      response: { status: '412' },
    });
    expect(response.body.Operations[4].response).toMatchObject({
      status: '400',
      scimType: 'invalidValue',
    });
    await scimA.get(`/Users/${existing.id}`).expect(404);
    await scimA
      .get(`/Users?filter=${encodeURIComponent(`userName eq "${fresh.userName}"`)}`)
      .expect(200)
      .then((list) => expect(list.body.totalResults).toBe(1));
  });

  it('stops after failOnErrors errors and leaves the rest undone and unreported', async () => {
    const before = await userCount(a.companyId);
    const response = await scimA
      .post(
        '/Bulk',
        bulk(
          [
            { method: 'POST', path: '/Users', bulkId: 'x1', data: { userName: '' } },
            { method: 'POST', path: '/Users', bulkId: 'x2', data: oktaUser() },
            { method: 'POST', path: '/Users', bulkId: 'x3', data: { userName: ' ' } },
            { method: 'POST', path: '/Users', bulkId: 'x4', data: oktaUser() },
          ],
          { failOnErrors: 2 },
        ),
      )
      .expect(200);
    expect(
      response.body.Operations.map(
        (operation: { bulkId: string; status: string }) =>
          `${operation.bulkId} ${operation.status}`,
      ),
    ).toEqual(['x1 400', 'x2 201', 'x3 400']);
    expect(await userCount(a.companyId)).toBe(before + 1);
  });

  it('answers references it cannot resolve: failed, undefined and circular bulkIds', async () => {
    const response = await scimA
      .post(
        '/Bulk',
        bulk([
          { method: 'POST', path: '/Users', bulkId: 'broken', data: { userName: '' } },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'needs-broken',
            data: {
              schemas: [GROUP_SCHEMA],
              displayName: 'Needs Broken',
              members: [{ value: 'bulkId:broken' }],
            },
          },
          { method: 'DELETE', path: '/Users/bulkId:nobody' },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g1',
            data: {
              schemas: [GROUP_SCHEMA],
              displayName: 'Circle 1',
              members: [{ value: 'bulkId:g2' }],
            },
          },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g2',
            data: {
              schemas: [GROUP_SCHEMA],
              displayName: 'Circle 2',
              members: [{ value: 'bulkId:g1' }],
            },
          },
        ]),
      )
      .expect(200);
    const byBulkId = (id: string) =>
      response.body.Operations.find((operation: { bulkId?: string }) => operation.bulkId === id);
    expect(byBulkId('broken').status).toBe('400');
    expect(byBulkId('needs-broken')).toMatchObject({ status: '409', response: { status: '409' } });
    expect(response.body.Operations[2]).toMatchObject({
      method: 'DELETE',
      status: '400',
      response: { scimType: 'invalidValue' },
    });
    expect(response.body.Operations[2].response.detail).toContain('bulkId:nobody');
    expect(byBulkId('g1').status).toBe('409');
    expect(byBulkId('g2').status).toBe('409');
    const groups = await scimA
      .get(`/Groups?filter=${encodeURIComponent('displayName sw "Circle"')}`)
      .expect(200);
    expect(groups.body.totalResults).toBe(0);
  });

  it('refuses a malformed request as a whole before running anything', async () => {
    const before = await userCount(a.companyId);
    const cases: [unknown, string][] = [
      [{ Operations: [] }, 'schemas'],
      [bulk([{ method: 'POST', path: '/Users', data: oktaUser() }]), 'bulkId is required'],
      [bulk([{ method: 'GET', path: '/Users' }]), 'method'],
      [
        bulk([
          { method: 'POST', path: '/Users', bulkId: 'a', data: oktaUser() },
          { method: 'POST', path: '/Widgets', bulkId: 'b', data: {} },
        ]),
        'path',
      ],
      [
        bulk([
          { method: 'POST', path: '/Users', bulkId: 'a', data: oktaUser() },
          { method: 'POST', path: '/Users', bulkId: 'a', data: oktaUser() },
        ]),
        'earlier operation',
      ],
      [bulk([{ method: 'PATCH', path: '/Users', data: {} }]), 'one resource'],
      [bulk([], { failOnErrors: 0 }), 'failOnErrors'],
      [bulk({} as unknown as unknown[]), 'Operations must be an array'],
    ];
    for (const [body, detail] of cases) {
      const response = await scimA.post('/Bulk', body).expect(400);
      expect(response.body.schemas).toEqual([ERROR_SCHEMA]);
      expect(response.body.detail).toContain(detail);
    }
    expect(await userCount(a.companyId)).toBe(before);
  });

  it('enforces maxOperations and maxPayloadSize with 413 and a SCIM body, before any work', async () => {
    const before = await userCount(a.companyId);
    const tooMany = Array.from({ length: 21 }, (_, i) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `n${i}`,
      data: { userName: `n${i}@example.com` },
    }));
    const many = await scimA.post('/Bulk', bulk(tooMany)).expect(413);
    expect(many.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '413' });
    expect(many.body.detail).toContain('at most 20 operations');
    const big = bulk([
      {
        method: 'POST',
        path: '/Users',
        bulkId: 'big',
        data: oktaUser({ displayName: 'x'.repeat(25_000) }),
      },
    ]);
    const large = await scimA.post('/Bulk', big).expect(413);
    expect(large.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '413' });
    expect(large.body.detail).toContain('20000 bytes');
    expect(await userCount(a.companyId)).toBe(before);
  });

  it('answers 405 for other methods, 401 without a token', async () => {
    const response = await scimA.get('/Bulk').expect(405);
    expect(response.headers.allow).toBe('POST');
    await t.http.post('/api/scim/v2/Bulk').send(bulk([])).expect(401);
  });

  it('never reaches another company: its ids are 404 and its bulkIds are its own', async () => {
    const theirs = await createUser(scimB);
    const response = await scimA
      .post(
        '/Bulk',
        bulk([
          { method: 'DELETE', path: `/Users/${theirs.id}` },
          {
            method: 'PATCH',
            path: `/Users/${theirs.id}`,
            data: patchOp({ op: 'replace', path: 'active', value: false }),
          },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'steal',
            data: {
              schemas: [GROUP_SCHEMA],
              displayName: 'Steal',
              members: [{ value: theirs.id }],
            },
          },
        ]),
      )
      .expect(200);
    expect(
      response.body.Operations.map((operation: { status: string }) => operation.status),
    ).toEqual(['404', '404', '201']);
    // The other company's user id was skipped like a made-up one: the group has no member.
    const stolenId = (response.body.Operations[2].location as string).split('/').pop();
    const stolen = await scimA.get(`/Groups/${stolenId}`).expect(200);
    expect(stolen.body.members).toEqual([]);
    const read = await scimB.get(`/Users/${theirs.id}`).expect(200);
    expect(read.body.active).toBe(true);
    expect(read.body.meta.version).toBe(theirs.meta.version);
  });

  it('records each operation in the provisioning log, so the status card sees bulk errors', async () => {
    const c = await scimCompany(t);
    const scimC = scimClient(t, c.scimToken);
    await scimC
      .post(
        '/Bulk',
        bulk([
          { method: 'POST', path: '/Users', bulkId: 'good', data: oktaUser() },
          { method: 'POST', path: '/Users', bulkId: 'bad', data: { userName: '' } },
        ]),
      )
      .expect(200);
    const card = await t.http
      .get(`/api/companies/${c.companyId}/scim/status`)
      .set('Authorization', `Bearer ${c.admin}`)
      .expect(200);
    expect(card.body.status).toBe('error');
    expect(card.body.lastSyncError).toMatchObject({
      status: 400,
      method: 'POST',
      resourceType: 'Users',
    });
    const rows = await t.query<{ method: string; resourceType: string; status: number }>(
      'SELECT method, "resourceType", status FROM provisioning_events WHERE "companyId" = $1 ORDER BY id',
      [c.companyId],
    );
    expect(rows.map((row) => `${row.method} ${row.resourceType} ${row.status}`)).toEqual([
      'POST Users 201',
      'POST Users 400',
    ]);
  });
});
