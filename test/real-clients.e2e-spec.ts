import { scimCompany, ScimCompany } from './factories/company.factory';
import { createGroup, GROUP_SCHEMA, oktaGroup } from './factories/group.factory';
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
import { ReconciliationScheduler } from '@app/reconciliation';

const NO_SENDER = { WEBHOOK_DELIVERY: 'false' };

/**
 * What independent SCIM clients and real IdPs send that a strict reading refused (issue 11):
 * stale and made-up group member ids, nested groups, extension URNs as PATCH paths,
 * unassigning removes, and core attributes nested under the core schema URN.
 */
describe('kinder to real clients', () => {
  let t: TestApp;
  let a: ScimCompany;
  let b: ScimCompany;
  let scimA: ScimClient;
  let scimB: ScimClient;

  beforeAll(async () => {
    // No webhook sender (nothing here sends webhooks): its polled claims are writes, and two
    // instances in this one process on one SQLite file (section 6) block each other's thread
    // while one waits for the other's lock (better-sqlite3 waits synchronously, up to the
    // busy timeout of 5 s); instances in processes of their own only wait.
    t = await createTestApp(NO_SENDER);
  });
  beforeEach(async () => {
    a = await scimCompany(t);
    b = await scimCompany(t);
    scimA = scimClient(t, a.scimToken);
    scimB = scimClient(t, b.scimToken);
  });
  afterAll(() => t.close());

  const members = async (scim: ScimClient, groupId: string) => {
    const response = await scim.get(`/Groups/${groupId}`).expect(200);
    return (response.body.members ?? []) as { value: string; type: string; $ref: string }[];
  };
  const adminApi = (company: ScimCompany, method: 'get' | 'put' | 'post', path: string) =>
    t.http[method](`/api/companies/${company.companyId}${path}`).set(
      'Authorization',
      `Bearer ${company.admin}`,
    );
  const status = async (company: ScimCompany) =>
    (await adminApi(company, 'get', '/scim/status').expect(200)).body;
  const member = async (company: ScimCompany, email: string) =>
    (
      await t.query<{ status: string; role: string }>(
        `SELECT "status", "role" FROM "members" WHERE "companyId" = $1 AND "emailKey" = $2`,
        [company.companyId, email.toLowerCase()],
      )
    )[0];

  describe('1. a member id that is not one of this company never fails a group write', () => {
    it('POST, PUT, PATCH add/replace and Bulk apply the real members and skip the rest', async () => {
      const [u1, u2, u3] = [
        await createUser(scimA),
        await createUser(scimA),
        await createUser(scimA),
      ];
      const foreign = await createUser(scimB);
      const deleted = await createUser(scimA);
      await scimA.delete(`/Users/${deleted.id}`).expect(204);

      // POST with a made-up id (the Postman suites), Entra's "string id 1" and a foreign id.
      const created = await scimA
        .post(
          '/Groups',
          oktaGroup({
            members: [
              { value: u1.id },
              { value: 'fake-member-id' },
              { value: 'string id 1' },
              { value: foreign.id },
            ],
          }),
        )
        .expect(201);
      expect(created.body.members.map((m: { value: string }) => m.value)).toEqual([u1.id]);
      const groupId = created.body.id as string;

      // PATCH add with a stale id (a deleted user, as Okta sends after a delete or a restore).
      await scimA
        .patch(
          `/Groups/${groupId}`,
          patchOp({ op: 'add', path: 'members', value: [{ value: u2.id }, { value: deleted.id }] }),
        )
        .expect(204);
      expect((await members(scimA, groupId)).map((m) => m.value).sort()).toEqual(
        [u1.id, u2.id].sort(),
      );

      // PATCH replace (Okta's full push) with a stale id among the real ones.
      await scimA
        .patch(
          `/Groups/${groupId}`,
          patchOp({
            op: 'replace',
            path: 'members',
            value: [{ value: u3.id }, { value: '00000000-0000-7000-8000-000000000000' }],
          }),
        )
        .expect(204);
      expect((await members(scimA, groupId)).map((m) => m.value)).toEqual([u3.id]);

      // PUT with a foreign id: skipped like a made-up one.
      const put = await scimA
        .put(
          `/Groups/${groupId}`,
          oktaGroup({
            displayName: created.body.displayName,
            members: [{ value: u1.id }, { value: foreign.id }],
          }),
        )
        .expect(200);
      expect(put.body.members.map((m: { value: string }) => m.value)).toEqual([u1.id]);

      // A remove with a value filter naming nobody is a no-op, not an error.
      await scimA
        .patch(
          `/Groups/${groupId}`,
          patchOp({ op: 'remove', path: 'members[value eq "fake-member-id"]' }),
        )
        .expect(204);

      // Bulk: the group operation succeeds with its real members.
      const bulk = await scimA
        .post('/Bulk', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
          Operations: [
            {
              method: 'PATCH',
              path: `/Groups/${groupId}`,
              data: patchOp({
                op: 'add',
                path: 'members',
                value: [{ value: u2.id }, { value: 'bulk-stale-id' }],
              }),
            },
          ],
        })
        .expect(200);
      expect(bulk.body.Operations[0].status).toBe('200');
      expect((await members(scimA, groupId)).map((m) => m.value).sort()).toEqual(
        [u1.id, u2.id].sort(),
      );

      // Nothing of company B's was stored in A, and B's user is untouched.
      const rows = await t.query(
        `SELECT 1 FROM "scim_group_members" WHERE "memberId" = $1 AND "companyId" = $2`,
        [foreign.id, a.companyId],
      );
      expect(rows).toHaveLength(0);

      // Each skipped id is a warning in the provisioning log, shown on the status card.
      const card = await status(a);
      expect(card.status).toBe('healthy');
      expect(card.lastSyncError).toBeNull();
      const warning = card.warnings.find(
        (w: { code: string }) => w.code === 'unknown_group_members',
      );
      expect(warning).toMatchObject({ count: 7 });
      expect(warning.latest).toMatchObject({
        method: 'PATCH',
        resourceType: 'Groups',
        resourceId: groupId,
        detail: 'members: "bulk-stale-id" skipped: not a user or group of this company',
      });
      const logged = await t.query<{ errorDetail: string }>(
        `SELECT "errorDetail" FROM "provisioning_events" WHERE "companyId" = $1 AND "outcome" = 'warning'`,
        [a.companyId],
      );
      expect(logged.map((row) => row.errorDetail)).toEqual(
        expect.arrayContaining([
          'members: "fake-member-id" skipped: not a user or group of this company',
          'members: "string id 1" skipped: not a user or group of this company',
          `members: "${foreign.id}" skipped: not a user or group of this company`,
          `members: "${deleted.id}" skipped: not a user or group of this company`,
        ]),
      );
      // Company B saw none of it.
      expect((await status(b)).warnings).toEqual([]);
    });
  });

  describe('2. members are resolved by their value; groups may hold groups', () => {
    it('ignores type and $ref hints: a user id sent as type "Group" is that user', async () => {
      const user = await createUser(scimA);
      const group = await createGroup(
        scimA,
        oktaGroup({
          members: [{ value: user.id, type: 'Group', $ref: 'https://elsewhere/Groups/x' }],
        }),
      );
      expect(await members(scimA, group.id)).toEqual([
        { value: user.id, type: 'User', $ref: `https://scim.test/api/scim/v2/Users/${user.id}` },
      ]);
    });

    it('stores a nested group, returns it with type "Group", filters by it, and refuses cycles', async () => {
      const user = await createUser(scimA);
      const child = await createGroup(scimA, oktaGroup({ members: [{ value: user.id }] }));
      const parent = await createGroup(
        scimA,
        oktaGroup({ members: [{ value: child.id, type: 'User' }] }),
      );
      expect(await members(scimA, parent.id)).toEqual([
        {
          value: child.id,
          type: 'Group',
          $ref: `https://scim.test/api/scim/v2/Groups/${child.id}`,
        },
      ]);
      const byMember = await scimA
        .get(`/Groups?filter=${encodeURIComponent(`members.value eq "${child.id}"`)}`)
        .expect(200);
      expect(byMember.body.Resources.map((g: { id: string }) => g.id)).toEqual([parent.id]);
      const byType = await scimA
        .get(
          `/Groups?excludedAttributes=members&filter=${encodeURIComponent('members[type eq "Group"]')}`,
        )
        .expect(200);
      expect(byType.body.Resources.map((g: { id: string }) => g.id)).toEqual([parent.id]);

      // A cycle: the parent into the child, or a group into itself.
      const cycle = await scimA
        .patch(
          `/Groups/${child.id}`,
          patchOp({ op: 'add', path: 'members', value: [{ value: parent.id }] }),
        )
        .expect(400);
      expect(cycle.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidValue' });
      expect(cycle.body.detail).toContain(parent.id);
      const self = await scimA
        .patch(
          `/Groups/${child.id}`,
          patchOp({ op: 'add', path: 'members', value: [{ value: child.id }] }),
        )
        .expect(400);
      expect(self.body.detail).toContain(child.id);
      expect((await members(scimA, child.id)).map((m) => m.value)).toEqual([user.id]);

      // Deleting the child removes it from the parent.
      await scimA.delete(`/Groups/${child.id}`).expect(204);
      expect(await members(scimA, parent.id)).toEqual([]);
    });

    it('group-based access follows nesting, and changes when the nesting changes', async () => {
      const addMember = (groupId: string, memberId: string) =>
        scimA
          .patch(
            `/Groups/${groupId}`,
            patchOp({ op: 'add', path: 'members', value: [{ value: memberId }] }),
          )
          .expect(204);
      const dana = await createUser(scimA);
      const engineers = await createGroup(scimA, oktaGroup({ members: [{ value: dana.id }] }));
      const admins = await createGroup(scimA, oktaGroup({ displayName: 'Admins' }));
      await adminApi(a, 'post', '/scim/group-mappings')
        .send({ groupId: admins.id, role: 'admin' })
        .expect(201);
      await adminApi(a, 'put', '/scim/access').send({ requireGroupMembership: true }).expect(200);
      expect(await member(a, dana.userName)).toMatchObject({ status: 'suspended' });

      // Engineers inside Admins: Dana gets the admin role through the nesting.
      await addMember(admins.id, engineers.id);
      expect(await member(a, dana.userName)).toEqual({ status: 'active', role: 'admin' });
      // Reconciliation agrees: nothing stale.
      expect((await status(a)).staleMemberships).toBe(0);

      // A new user added to the nested group gets it too, at the cost of one member.
      const eli = await createUser(scimA);
      await addMember(engineers.id, eli.id);
      expect(await member(a, eli.userName)).toEqual({ status: 'active', role: 'admin' });

      // Engineers taken out of Admins: both lose access (membership is required).
      await scimA
        .patch(
          `/Groups/${admins.id}`,
          patchOp({ op: 'remove', path: `members[value eq "${engineers.id}"]` }),
        )
        .expect(204);
      expect(await member(a, dana.userName)).toMatchObject({ status: 'suspended' });
      expect(await member(a, eli.userName)).toMatchObject({ status: 'suspended' });

      // Nested again, then the parent deleted: access goes with it.
      await addMember(admins.id, engineers.id);
      expect(await member(a, dana.userName)).toEqual({ status: 'active', role: 'admin' });
      await scimA.delete(`/Groups/${admins.id}`).expect(204);
      expect(await member(a, dana.userName)).toMatchObject({ status: 'suspended' });
      expect((await status(a)).staleMemberships).toBe(0);
    });
  });

  describe('3. an extension schema URN is a PATCH path', () => {
    it('add and replace set the extension as one complex value; remove removes it all', async () => {
      const user = await createUser(
        scimA,
        entraUser({ [ENTERPRISE_SCHEMA]: { department: 'Sales', costCenter: 'CC-1' } }),
      );
      const added = await scimA
        .patch(
          `/Users/${user.id}`,
          patchOp({
            op: 'add',
            path: ENTERPRISE_SCHEMA,
            value: { employeeNumber: '42', manager: { value: 'boss-id' } },
          }),
        )
        .expect(200);
      expect(added.body[ENTERPRISE_SCHEMA]).toEqual({
        department: 'Sales',
        costCenter: 'CC-1',
        employeeNumber: '42',
        manager: { value: 'boss-id' },
      });
      const replaced = await scimA
        .patch(
          `/Users/${user.id}`,
          patchOp({ op: 'replace', path: ENTERPRISE_SCHEMA, value: { department: 'Engineering' } }),
        )
        .expect(200);
      expect(replaced.body[ENTERPRISE_SCHEMA].department).toBe('Engineering');
      expect(replaced.body[ENTERPRISE_SCHEMA].employeeNumber).toBe('42');
      const removed = await scimA
        .patch(`/Users/${user.id}`, patchOp({ op: 'remove', path: ENTERPRISE_SCHEMA }))
        .expect(200);
      expect(removed.body[ENTERPRISE_SCHEMA]).toBeUndefined();
      expect(removed.body.schemas).toEqual([USER_SCHEMA]);
      const read = await scimA.get(`/Users/${user.id}`).expect(200);
      expect(read.body[ENTERPRISE_SCHEMA]).toBeUndefined();
      // A value that is not an object is a clear 400, and changes nothing.
      await scimA
        .patch(
          `/Users/${user.id}`,
          patchOp({ op: 'replace', path: ENTERPRISE_SCHEMA, value: 'Sales' }),
        )
        .expect(400);
    });
  });

  describe('4. remove makes an attribute unassigned', () => {
    it('after removing active the user has no active attribute, and still has access', async () => {
      const user = await createUser(scimA, oktaUser({ active: false }));
      expect(await member(a, user.userName)).toMatchObject({ status: 'suspended' });
      const removed = await scimA
        .patch(`/Users/${user.id}`, patchOp({ op: 'remove', path: 'active' }))
        .expect(200);
      expect(removed.body).not.toHaveProperty('active');
      const read = await scimA.get(`/Users/${user.id}`).expect(200);
      expect(read.body).not.toHaveProperty('active');
      const listed = await scimA
        .get(`/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`)
        .expect(200);
      expect(listed.body.Resources[0]).not.toHaveProperty('active');
      // Unassigned active means active for access.
      expect(await member(a, user.userName)).toMatchObject({ status: 'active' });

      // The same for other optional single-valued attributes.
      for (const path of ['displayName', 'externalId', 'title', 'name.givenName']) {
        const answer = await scimA
          .patch(`/Users/${user.id}`, patchOp({ op: 'remove', path }))
          .expect(200);
        const [attribute, sub] = path.split('.');
        if (sub) expect(answer.body[attribute]?.[sub]).toBeUndefined();
        else expect(answer.body).not.toHaveProperty(attribute);
      }
      // Assigning it again shows it again.
      const again = await scimA
        .patch(`/Users/${user.id}`, patchOp({ op: 'replace', path: 'active', value: false }))
        .expect(200);
      expect(again.body.active).toBe(false);
      expect(await member(a, user.userName)).toMatchObject({ status: 'suspended' });
    });
  });

  describe('5. core attributes nested under the core schema URN', () => {
    it('creates and replaces users and groups as the flat form does', async () => {
      const nested = await scimA
        .post('/Users', {
          schemas: [USER_SCHEMA],
          [USER_SCHEMA]: { userName: 'Nested.Person@example.com', name: { givenName: 'Nes' } },
        })
        .expect(201);
      expect(nested.body).toMatchObject({
        userName: 'Nested.Person@example.com',
        name: { givenName: 'Nes' },
      });
      expect(nested.body).not.toHaveProperty(USER_SCHEMA);
      expect(await member(a, 'nested.person@example.com')).toMatchObject({ status: 'active' });
      const put = await scimA
        .put(`/Users/${nested.body.id}`, {
          schemas: [USER_SCHEMA],
          [USER_SCHEMA]: { userName: 'Nested.Person@example.com', active: false },
        })
        .expect(200);
      expect(put.body.active).toBe(false);

      const group = await scimA
        .post('/Groups', {
          schemas: [GROUP_SCHEMA],
          [GROUP_SCHEMA]: { displayName: 'Nested Group', members: [{ value: nested.body.id }] },
        })
        .expect(201);
      expect(group.body.displayName).toBe('Nested Group');
      expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([nested.body.id]);
      const groupPut = await scimA
        .put(`/Groups/${group.body.id}`, {
          schemas: [GROUP_SCHEMA],
          [GROUP_SCHEMA]: { displayName: 'Nested Group Renamed', members: [] },
        })
        .expect(200);
      expect(groupPut.body).toMatchObject({ displayName: 'Nested Group Renamed', members: [] });
    });
  });

  describe('6. each scheduled reconciliation time runs once per company', () => {
    it('two instances whose cron fired at different moments for one scheduled time run once', async () => {
      // A second instance on the same database (on SQLite, the same file).
      const second = await createTestApp({ ...NO_SENDER, DATA_DIR: t.dataDir });
      try {
        const runs = async () =>
          (
            await t.query(`SELECT 1 FROM "reconciliation_runs" WHERE "companyId" = $1`, [
              a.companyId,
            ])
          ).length;
        // The default schedule is every 15 minutes: the next quarter hour, and the one after.
        const quarter = 15 * 60_000;
        const scheduled = Math.ceil((Date.now() + 1) / quarter) * quarter;
        await t.app.get(ReconciliationScheduler).fired(scheduled + 40);
        await second.app.get(ReconciliationScheduler).fired(scheduled + 750);
        expect(await runs()).toBe(1);
        await second.app.get(ReconciliationScheduler).fired(scheduled + quarter + 10);
        await t.app.get(ReconciliationScheduler).fired(scheduled + quarter + 900);
        expect(await runs()).toBe(2);
      } finally {
        await second.close();
      }
    });
  });
});
