import { scimCompany, ScimCompany } from './factories/company.factory';
import { createGroup, oktaGroup } from './factories/group.factory';
import { createUser, oktaUser } from './factories/user.factory';
import { patchOp, scimClient, ScimClient } from './support/scim-client';
import { createTestApp, TestApp } from './support/test-app';

describe('group-based access and roles', () => {
  let t: TestApp;
  let a: ScimCompany;
  let scim: ScimClient;

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(async () => {
    a = await scimCompany(t);
    scim = scimClient(t, a.scimToken);
  });
  afterAll(() => t.close());

  const admin = (method: 'get' | 'put' | 'post' | 'delete', path: string) =>
    t.http[method](`/api/companies/${a.companyId}/scim${path}`).set(
      'Authorization',
      `Bearer ${a.admin}`,
    );
  const member = async (email: string) =>
    (
      await t.query<{ status: string; role: string }>(
        `SELECT "status", "role" FROM "members" WHERE "companyId" = $1 AND "emailKey" = $2`,
        [a.companyId, email.toLowerCase()],
      )
    )[0];

  it('without mappings, SCIM does not manage roles: new members get the default role', async () => {
    const policy = await admin('get', '/access').expect(200);
    expect(policy.body).toEqual({
      defaultRole: 'member',
      requireGroupMembership: false,
      mappings: [],
    });
    const user = await createUser(scim);
    expect(await member(user.userName)).toEqual({ status: 'active', role: 'member' });
  });

  it('gives the highest role among mapped groups (by id or by displayName, even one created later), else the default', async () => {
    const [u1, u2, u3] = [await createUser(scim), await createUser(scim), await createUser(scim)];
    const admins = await createGroup(
      scim,
      oktaGroup({ displayName: 'Admins', members: [{ value: u1.id }] }),
    );
    const byId = await admin('post', '/group-mappings')
      .send({ groupId: admins.id, role: 'admin' })
      .expect(201);
    expect(byId.body).toMatchObject({ groupId: admins.id, displayName: null, role: 'admin' });
    expect(await member(u1.userName)).toEqual({ status: 'active', role: 'admin' });
    expect(await member(u2.userName)).toEqual({ status: 'active', role: 'member' });
    await admin('post', '/group-mappings')
      .send({ displayName: 'owners', role: 'owner' })
      .expect(201);
    const owners = await createGroup(
      scim,
      oktaGroup({ displayName: 'Owners', members: [{ value: u1.id }, { value: u3.id }] }),
    );
    expect(await member(u1.userName)).toEqual({ status: 'active', role: 'owner' });
    expect(await member(u3.userName)).toEqual({ status: 'active', role: 'owner' });
    await scim
      .patch(
        `/Groups/${owners.id}`,
        patchOp({ op: 'remove', path: `members[value eq "${u1.id}"]` }),
      )
      .expect(204);
    expect(await member(u1.userName)).toEqual({ status: 'active', role: 'admin' });
    await admin('put', '/access').send({ defaultRole: 'admin' }).expect(200);
    expect(await member(u2.userName)).toEqual({ status: 'active', role: 'admin' });
  });

  it('with group membership required, only people in a mapped group may enter; leaving the last one removes access at once', async () => {
    const refused = await admin('put', '/access')
      .send({ requireGroupMembership: true })
      .expect(409);
    expect(refused.body.message).toMatch(/Map at least one SCIM group/);
    const [inside, outside] = [await createUser(scim), await createUser(scim)];
    const team = await createGroup(
      scim,
      oktaGroup({ displayName: 'Allowed', members: [{ value: inside.id }] }),
    );
    const mapping = await admin('post', '/group-mappings')
      .send({ groupId: team.id, role: 'member' })
      .expect(201);
    await admin('put', '/access').send({ requireGroupMembership: true }).expect(200);
    expect(await member(inside.userName)).toEqual({ status: 'active', role: 'member' });
    expect(await member(outside.userName)).toEqual({ status: 'suspended', role: 'member' });
    await scim
      .patch(
        `/Groups/${team.id}`,
        patchOp({ op: 'add', path: 'members', value: [{ value: outside.id }] }),
      )
      .expect(204);
    expect((await member(outside.userName)).status).toBe('active');
    await scim
      .patch(
        `/Groups/${team.id}`,
        patchOp({ op: 'remove', path: 'members', value: [{ value: inside.id }] }),
      )
      .expect(204);
    expect((await member(inside.userName)).status).toBe('suspended');
    const newcomer = await createUser(scim, oktaUser());
    expect((await member(newcomer.userName)).status).toBe('suspended');
    // Deactivation still wins over group membership.
    await scim
      .patch(`/Users/${outside.id}`, patchOp({ op: 'replace', path: 'active', value: false }))
      .expect(200);
    expect((await member(outside.userName)).status).toBe('suspended');
    await admin('delete', `/group-mappings/${mapping.body.id}`).expect(409);
    await admin('put', '/access').send({ requireGroupMembership: false }).expect(200);
    expect((await member(inside.userName)).status).toBe('active');
    await admin('delete', `/group-mappings/${mapping.body.id}`).expect(204);
    await scim.delete(`/Groups/${team.id}`).expect(204);
  });

  it('deleting a mapped group takes away the role it gave', async () => {
    const user = await createUser(scim);
    const group = await createGroup(
      scim,
      oktaGroup({ displayName: 'Temp Admins', members: [{ value: user.id }] }),
    );
    await admin('post', '/group-mappings')
      .send({ displayName: 'Temp Admins', role: 'admin' })
      .expect(201);
    expect((await member(user.userName)).role).toBe('admin');
    await scim.delete(`/Groups/${group.id}`).expect(204);
    expect((await member(user.userName)).role).toBe('member');
  });

  it('validates the admin API input, naming the field, and keeps companies apart', async () => {
    const cases: [string, object, RegExp][] = [
      ['/group-mappings', { role: 'admin' }, /either groupId or displayName/],
      [
        '/group-mappings',
        { groupId: 'nope', role: 'admin' },
        /groupId must be the id of a SCIM group/,
      ],
      [
        '/group-mappings',
        { displayName: 'x', role: 'root' },
        /role must be one of owner, admin, member/,
      ],
      [
        '/group-mappings',
        { groupId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', role: 'admin' },
        /is not a SCIM group of this company/,
      ],
    ];
    for (const [path, body, message] of cases) {
      const response = await admin('post', path).send(body).expect(400);
      expect([response.body.message].flat().join(' ')).toMatch(message);
    }
    const bad = await admin('put', '/access').send({ defaultRole: 'boss' }).expect(400);
    expect(bad.body.message.join(' ')).toMatch(/defaultRole must be one of/);
    const other = await scimCompany(t);
    await t.http
      .get(`/api/companies/${a.companyId}/scim/access`)
      .set('Authorization', `Bearer ${other.admin}`)
      .expect(404);
    await t.http.get(`/api/companies/${a.companyId}/scim/access`).expect(401);
    const otherGroup = await createGroup(scimClient(t, other.scimToken));
    await admin('post', '/group-mappings')
      .send({ groupId: otherGroup.id, role: 'admin' })
      .expect(400);
  });

  it('previews a change before it is saved: what it would do to members, and nothing changes', async () => {
    const [inGroup, outside] = [await createUser(scim), await createUser(scim)];
    const engineering = await createGroup(
      scim,
      oktaGroup({ displayName: 'Engineering', members: [{ value: inGroup.id }] }),
    );
    // A mapping gives a role: the preview says whose role would change.
    const mapping = await admin('post', '/access/preview')
      .send({ addMapping: { displayName: 'engineering', role: 'admin' } })
      .expect(200);
    expect(mapping.body).toEqual({
      revoked: 0,
      granted: 0,
      roleChanged: 1,
      members: [
        expect.objectContaining({
          email: inGroup.userName,
          change: 'role_changed',
          role: 'admin',
          previousRole: 'member',
        }),
      ],
    });
    expect((await admin('get', '/access').expect(200)).body.mappings).toEqual([]);
    expect(await member(inGroup.userName)).toEqual({ status: 'active', role: 'member' });
    const saved = await admin('post', '/group-mappings')
      .send({ groupId: engineering.id, role: 'admin' })
      .expect(201);
    // Requiring membership: everyone outside a mapped group would lose access.
    const require = await admin('post', '/access/preview')
      .send({ policy: { requireGroupMembership: true } })
      .expect(200);
    expect(require.body).toMatchObject({ revoked: 1, granted: 0, roleChanged: 0 });
    expect(require.body.members).toEqual([
      expect.objectContaining({
        email: outside.userName,
        change: 'revoked',
        status: 'suspended',
        previousStatus: 'active',
      }),
    ]);
    expect(await member(outside.userName)).toEqual({ status: 'active', role: 'member' });
    // Removing the only mapping: SCIM stops managing roles, so the roles stay as they are.
    const remove = await admin('post', '/access/preview')
      .send({ removeMappingId: saved.body.id })
      .expect(200);
    expect(remove.body).toEqual({ revoked: 0, granted: 0, roleChanged: 0, members: [] });
    // A change that would be refused is refused by its preview too; nothing was written.
    await admin('put', '/access').send({ requireGroupMembership: true }).expect(200);
    await admin('post', '/access/preview').send({ removeMappingId: saved.body.id }).expect(409);
    for (const body of [{}, { policy: {}, removeMappingId: saved.body.id }]) {
      const refused = await admin('post', '/access/preview').send(body).expect(400);
      expect(refused.body.message).toEqual([
        'give exactly one of policy, addMapping, removeMappingId',
      ]);
    }
    const bad = await admin('post', '/access/preview')
      .send({ policy: { defaultRole: 'king' } })
      .expect(400);
    expect(JSON.stringify(bad.body.message)).toContain('defaultRole');
    expect(
      (await t.query(`SELECT * FROM "audit_events" WHERE "companyId" = $1`, [a.companyId])).map(
        (row) => row.action,
      ),
    ).not.toContain('access_policy.previewed');
  });

  it('suggests SCIM groups by the start of their name, any case', async () => {
    for (const displayName of ['Engineering', 'Engineering Leads', 'Sales'])
      await createGroup(scim, oktaGroup({ displayName }));
    const found = await admin('get', '/groups?search=engin').expect(200);
    expect(found.body.map((group: { displayName: string }) => group.displayName)).toEqual([
      'Engineering',
      'Engineering Leads',
    ]);
    expect(found.body[0]).toEqual({
      id: expect.any(String),
      displayName: 'Engineering',
      memberCount: 0,
    });
    expect((await admin('get', '/groups?limit=1').expect(200)).body).toHaveLength(1);
    await admin('get', '/groups?limit=500').expect(400);
  });
});
