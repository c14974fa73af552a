import { scimCompany, ScimCompany } from './factories/company.factory';
import { createGroup, GROUP_SCHEMA, oktaGroup } from './factories/group.factory';
import { createUser } from './factories/user.factory';
import { ERROR_SCHEMA, patchOp, scimClient, ScimClient } from './support/scim-client';
import { createTestApp, TestApp } from './support/test-app';

describe('SCIM Groups', () => {
  let t: TestApp;
  let a: ScimCompany;
  let b: ScimCompany;
  let scimA: ScimClient;
  let scimB: ScimClient;

  beforeAll(async () => {
    // No webhook sender in this suite: it wakes on every commit, and its claims would count
    // among a request's own queries (the query-count regression below).
    t = await createTestApp({ WEBHOOK_DELIVERY: 'false' });
    a = await scimCompany(t);
    b = await scimCompany(t);
    scimA = scimClient(t, a.scimToken);
    scimB = scimClient(t, b.scimToken);
  });
  afterAll(() => t.close());

  const users = async (scim: ScimClient, n: number) => {
    const created: { id: string; userName: string }[] = [];
    for (let i = 0; i < n; i++) created.push(await createUser(scim));
    return created;
  };
  const memberIds = async (scim: ScimClient, groupId: string) => {
    const response = await scim.get(`/Groups/${groupId}`).expect(200);
    return ((response.body.members ?? []) as { value: string }[])
      .map((member) => member.value)
      .sort();
  };

  it('creates groups as Okta and Entra send them, with Location, ETag and members', async () => {
    const [u1, u2] = await users(scimA, 2);
    const empty = await scimA
      .post('/Groups', oktaGroup({ displayName: 'Empty Group' }))
      .expect(201);
    expect(empty.headers.location).toBe(`https://scim.test/api/scim/v2/Groups/${empty.body.id}`);
    expect(empty.headers.etag).toBe('W/"1"');
    expect(empty.body).toMatchObject({
      schemas: [GROUP_SCHEMA],
      displayName: 'Empty Group',
      members: [],
      meta: { resourceType: 'Group', version: 'W/"1"' },
    });
    const filled = await scimA
      .post('/Groups', {
        schemas: [GROUP_SCHEMA],
        externalId: 'ext-group-1',
        displayName: 'Filled Group',
        members: [{ value: u1.id, display: 'VP' }, { value: u2.id, $ref: null }, { value: u1.id }],
      })
      .expect(201);
    expect(filled.body.externalId).toBe('ext-group-1');
    expect(filled.body.members).toHaveLength(2);
    expect(filled.body.members).toContainEqual({
      value: u1.id,
      $ref: `https://scim.test/api/scim/v2/Users/${u1.id}`,
      type: 'User',
      display: 'VP',
    });
  });

  it('keeps displayName unique per company, case-insensitively (409), and skips member ids that name nobody', async () => {
    await createGroup(scimA, oktaGroup({ displayName: 'Unique Name' }));
    const clash = await scimA
      .post('/Groups', oktaGroup({ displayName: 'UNIQUE name' }))
      .expect(409);
    expect(clash.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'uniqueness' });
    await createGroup(scimB, oktaGroup({ displayName: 'Unique Name' }));
    const [user] = await users(scimA, 1);
    const created = await scimA
      .post(
        '/Groups',
        oktaGroup({
          displayName: 'Stale Members',
          members: [{ value: user.id }, { value: 'not-a-user' }],
        }),
      )
      .expect(201);
    expect(created.body.members.map((m: { value: string }) => m.value)).toEqual([user.id]);
    await scimA.post('/Groups', { schemas: [GROUP_SCHEMA], members: [] }).expect(400);
  });

  it('reads a group with or without members, and filters, sorts and pages groups in the database', async () => {
    const [u1] = await users(scimA, 1);
    const group = await createGroup(
      scimA,
      oktaGroup({ displayName: 'Readable', externalId: 'R-1', members: [{ value: u1.id }] }),
    );
    const without = await scimA.get(`/Groups/${group.id}?excludedAttributes=members`).expect(200);
    expect(without.body.members).toBeUndefined();
    expect(without.body.displayName).toBe('Readable');
    const only = await scimA.get(`/Groups/${group.id}?attributes=displayName`).expect(200);
    expect(only.body).toEqual({ schemas: [GROUP_SCHEMA], id: group.id, displayName: 'Readable' });
    await scimA.get(`/Groups/${group.id}`).set('If-None-Match', 'W/"1"').expect(304);
    const byName = await scimA
      .get(
        `/Groups?filter=${encodeURIComponent('displayName eq "readable"')}&excludedAttributes=members`,
      )
      .expect(200);
    expect(byName.body.Resources.map((g: { id: string }) => g.id)).toEqual([group.id]);
    const byExternal = await scimA
      .get(`/Groups?filter=${encodeURIComponent('externalId eq "R-1"')}`)
      .expect(200);
    expect(byExternal.body.totalResults).toBe(1);
    const byMember = await scimA
      .get(`/Groups?filter=${encodeURIComponent(`members.value eq "${u1.id}"`)}`)
      .expect(200);
    expect(byMember.body.Resources.map((g: { id: string }) => g.id)).toEqual([group.id]);
    const sorted = await scimA
      .get('/Groups?sortBy=displayName&sortOrder=descending&count=2&excludedAttributes=members')
      .expect(200);
    expect(sorted.body.itemsPerPage).toBe(2);
    const names = sorted.body.Resources.map((g: { displayName: string }) =>
      g.displayName.toLowerCase(),
    );
    expect([...names].sort().reverse()).toEqual(names);
    const cursor = await scimA.get('/Groups?cursor=&count=1').expect(200);
    expect(cursor.body.nextCursor).toEqual(expect.any(String));
    await scimA.get(`/Groups?filter=${encodeURIComponent('members eq "x"')}`).expect(400);
  });

  it("applies Entra's PATCH bodies: add (no duplicates), remove with a value list, rename; answers 204", async () => {
    const [u1, u2, u3] = await users(scimA, 3);
    const group = await createGroup(scimA, oktaGroup({ members: [{ value: u1.id }] }));
    const added = await scimA
      .patch(
        `/Groups/${group.id}`,
        patchOp({
          op: 'Add',
          path: 'members',
          value: [{ displayName: 'new User', value: u2.id }, { value: u1.id }],
        }),
      )
      .expect(204);
    expect(added.headers.etag).toBe('W/"2"');
    expect(await memberIds(scimA, group.id)).toEqual([u1.id, u2.id].sort());
    const read = await scimA.get(`/Groups/${group.id}`).expect(200);
    expect(JSON.stringify(read.body)).toContain('new User');
    await scimA
      .patch(
        `/Groups/${group.id}`,
        patchOp({ op: 'Add', path: 'members', value: [{ value: u3.id }] }),
      )
      .expect(204);
    await scimA
      .patch(
        `/Groups/${group.id}`,
        patchOp({ op: 'Remove', path: 'members', value: [{ value: u1.id }, { value: u3.id }] }),
      )
      .expect(204);
    expect(await memberIds(scimA, group.id)).toEqual([u2.id]);
    await scimA
      .patch(
        `/Groups/${group.id}`,
        patchOp({ op: 'Replace', path: 'displayName', value: 'Renamed by Entra' }),
      )
      .expect(204);
    const renamed = await scimA
      .get(`/Groups/${group.id}?attributes=displayName,members`)
      .expect(200);
    expect(renamed.body.displayName).toBe('Renamed by Entra');
    expect(renamed.body.members.map((m: { value: string }) => m.value)).toEqual([u2.id]);
    const withAttributes = await scimA
      .patch(
        `/Groups/${group.id}?attributes=displayName`,
        patchOp({ op: 'replace', path: 'externalId', value: 'e-9' }),
      )
      .expect(200);
    expect(withAttributes.body).toEqual({
      schemas: [GROUP_SCHEMA],
      id: group.id,
      displayName: 'Renamed by Entra',
    });
  });

  it("applies Okta's PATCH bodies: filtered remove, full-list replace (also empty), rename with { id, displayName }", async () => {
    const [u1, u2, u3] = await users(scimA, 3);
    const group = await createGroup(
      scimA,
      oktaGroup({ members: [{ value: u1.id }, { value: u2.id }] }),
    );
    await scimA
      .patch(`/Groups/${group.id}`, patchOp({ op: 'remove', path: `members[value eq "${u1.id}"]` }))
      .expect(204);
    expect(await memberIds(scimA, group.id)).toEqual([u2.id]);
    await scimA
      .patch(
        `/Groups/${group.id}`,
        patchOp({ op: 'replace', path: 'members', value: [{ value: u1.id }, { value: u3.id }] }),
      )
      .expect(204);
    expect(await memberIds(scimA, group.id)).toEqual([u1.id, u3.id].sort());
    await scimA
      .patch(
        `/Groups/${group.id}`,
        patchOp({ op: 'replace', value: { id: group.id, displayName: 'Okta Renamed' } }),
      )
      .expect(204);
    const renamed = await scimA.get(`/Groups/${group.id}`).expect(200);
    expect(renamed.body.displayName).toBe('Okta Renamed');
    expect(renamed.body.members.map((m: { value: string }) => m.value).sort()).toEqual(
      [u1.id, u3.id].sort(),
    );
    await scimA
      .patch(`/Groups/${group.id}`, patchOp({ op: 'replace', path: 'members', value: [] }))
      .expect(204);
    expect(await memberIds(scimA, group.id)).toEqual([]);
  });

  it('regressions: add never replaces the list, a filtered remove never empties the group', async () => {
    const people = await users(scimA, 4);
    const group = await createGroup(
      scimA,
      oktaGroup({ members: people.slice(0, 3).map((p) => ({ value: p.id })) }),
    );
    await scimA
      .patch(
        `/Groups/${group.id}`,
        patchOp({ op: 'add', path: 'members', value: [{ value: people[3].id }] }),
      )
      .expect(204);
    expect(await memberIds(scimA, group.id)).toEqual(people.map((p) => p.id).sort());
    await scimA
      .patch(
        `/Groups/${group.id}`,
        patchOp({ op: 'remove', path: `members[value eq "${people[0].id}"]` }),
      )
      .expect(204);
    expect(await memberIds(scimA, group.id)).toEqual(
      people
        .slice(1)
        .map((p) => p.id)
        .sort(),
    );
    await scimA
      .patch(
        `/Groups/${group.id}`,
        patchOp({ op: 'remove', path: 'members[value eq "00000000-0000-4000-8000-000000000000"]' }),
      )
      .expect(204);
    expect(await memberIds(scimA, group.id)).toHaveLength(3);
  });

  it('regression: adding or removing one member costs the same number of queries at 5 and at 400 members', async () => {
    const people = await users(scimA, 402);
    const small = await createGroup(
      scimA,
      oktaGroup({ members: people.slice(0, 5).map((p) => ({ value: p.id })) }),
    );
    const large = await createGroup(
      scimA,
      oktaGroup({ members: people.slice(0, 400).map((p) => ({ value: p.id })) }),
    );
    const runner = t.dataSource.createQueryRunner();
    const prototype = Object.getPrototypeOf(runner) as {
      query: (...args: unknown[]) => Promise<unknown>;
    };
    await runner.release();
    const spy = jest.spyOn(prototype, 'query');
    const count = async (work: () => Promise<unknown>) => {
      spy.mockClear();
      await work();
      // Only the request's own queries: not the provisioning log's batched flush, nor the
      // once-a-minute lastUsedAt of the token, which land at times of their own.
      // (rawQuery sends PostgreSQL named statements as { name, text }.)
      const text = (sql: unknown) => String((sql as { text?: string }).text ?? sql);
      return spy.mock.calls.filter(([sql]) => !/provisioning_events|"lastUsedAt"/.test(text(sql)))
        .length;
    };
    const addSmall = await count(() =>
      scimA
        .patch(
          `/Groups/${small.id}`,
          patchOp({ op: 'add', path: 'members', value: [{ value: people[400].id }] }),
        )
        .expect(204),
    );
    const addLarge = await count(() =>
      scimA
        .patch(
          `/Groups/${large.id}`,
          patchOp({ op: 'add', path: 'members', value: [{ value: people[401].id }] }),
        )
        .expect(204),
    );
    const removeSmall = await count(() =>
      scimA
        .patch(
          `/Groups/${small.id}`,
          patchOp({ op: 'remove', path: `members[value eq "${people[400].id}"]` }),
        )
        .expect(204),
    );
    const removeLarge = await count(() =>
      scimA
        .patch(
          `/Groups/${large.id}`,
          patchOp({ op: 'remove', path: `members[value eq "${people[401].id}"]` }),
        )
        .expect(204),
    );
    spy.mockRestore();
    expect(addLarge).toBe(addSmall);
    expect(removeLarge).toBe(removeSmall);
    expect(addSmall).toBeLessThan(15);
  }, 120_000);

  it('a PATCH that fails changes nothing, member operations included', async () => {
    const [u1, u2] = await users(scimA, 2);
    const group = await createGroup(
      scimA,
      oktaGroup({ displayName: 'Atomic', members: [{ value: u1.id }] }),
    );
    const response = await scimA
      .patch(
        `/Groups/${group.id}`,
        patchOp(
          { op: 'replace', path: 'displayName', value: 'Should Not Stick' },
          { op: 'add', path: 'members', value: [{ value: u2.id }] },
          { op: 'replace', path: 'displayName', value: { not: 'a string' } },
        ),
      )
      .expect(400);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidValue' });
    const after = await scimA.get(`/Groups/${group.id}`).expect(200);
    expect(after.body.displayName).toBe('Atomic');
    expect(after.body.members.map((m: { value: string }) => m.value)).toEqual([u1.id]);
    expect(after.body.meta.version).toBe('W/"1"');
  });

  it('PUT applies the member list as a difference; a PUT without members empties the group', async () => {
    const [u1, u2, u3] = await users(scimA, 3);
    const group = await createGroup(
      scimA,
      oktaGroup({ members: [{ value: u1.id }, { value: u2.id }] }),
    );
    const put = await scimA
      .put(`/Groups/${group.id}`, {
        schemas: [GROUP_SCHEMA],
        id: group.id,
        displayName: 'Put Name',
        members: [{ value: u2.id, display: 'SenorVP' }, { value: u3.id }],
      })
      .expect(200);
    expect(put.body.members.map((m: { value: string }) => m.value).sort()).toEqual(
      [u2.id, u3.id].sort(),
    );
    expect(put.body.meta.version).toBe('W/"2"');
    const cleared = await scimA
      .put(`/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: 'Put Name' })
      .expect(200);
    expect(cleared.body.members).toEqual([]);
    await scimA
      .put(`/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: 'x' })
      .set('If-Match', 'W/"1"')
      .expect(412);
  });

  it("shows a user's groups (filterable), and deleting a user or a group removes its memberships", async () => {
    const [u1, u2] = await users(scimA, 2);
    const g1 = await createGroup(
      scimA,
      oktaGroup({ displayName: 'Alpha Team', members: [{ value: u1.id }, { value: u2.id }] }),
    );
    const g2 = await createGroup(
      scimA,
      oktaGroup({ displayName: 'Beta Team', members: [{ value: u1.id }] }),
    );
    const user = await scimA.get(`/Users/${u1.id}`).expect(200);
    expect(user.body.groups).toEqual([
      {
        value: g1.id,
        $ref: `https://scim.test/api/scim/v2/Groups/${g1.id}`,
        display: 'Alpha Team',
        type: 'direct',
      },
      {
        value: g2.id,
        $ref: `https://scim.test/api/scim/v2/Groups/${g2.id}`,
        display: 'Beta Team',
        type: 'direct',
      },
    ]);
    const inBeta = await scimA
      .get(`/Users?filter=${encodeURIComponent(`groups.value eq "${g2.id}"`)}`)
      .expect(200);
    expect(inBeta.body.Resources.map((u: { id: string }) => u.id)).toEqual([u1.id]);
    await scimA
      .patch(`/Users/${u1.id}`, patchOp({ op: 'add', path: 'groups', value: [{ value: g2.id }] }))
      .expect(400);
    await scimA.delete(`/Users/${u2.id}`).expect(204);
    expect(await memberIds(scimA, g1.id)).toEqual([u1.id]);
    await scimA.delete(`/Groups/${g2.id}`).expect(204);
    await scimA.get(`/Groups/${g2.id}`).expect(404);
    const after = await scimA.get(`/Users/${u1.id}`).expect(200);
    expect(after.body.groups.map((g: { value: string }) => g.value)).toEqual([g1.id]);
  });

  it('searches groups with POST /Groups/.search and across types with POST /.search', async () => {
    await createGroup(scimA, oktaGroup({ displayName: 'Searchable Squad' }));
    const response = await scimA
      .post('/Groups/.search', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: 'displayName sw "searchable"',
        excludedAttributes: ['members'],
      })
      .expect(200);
    expect(response.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual([
      'Searchable Squad',
    ]);
    const root = await scimA
      .post('/.search', { filter: 'displayName sw "searchable"' })
      .expect(200);
    expect(root.body.totalResults).toBe(1);
  });

  it("keeps companies apart: B never sees or changes A's groups, nor adds A's users", async () => {
    const [u1] = await users(scimA, 1);
    const group = await createGroup(scimA, oktaGroup({ members: [{ value: u1.id }] }));
    await scimB.get(`/Groups/${group.id}`).expect(404);
    await scimB
      .patch(`/Groups/${group.id}`, patchOp({ op: 'remove', path: 'members' }))
      .expect(404);
    await scimB.put(`/Groups/${group.id}`, oktaGroup()).expect(404);
    await scimB.delete(`/Groups/${group.id}`).expect(404);
    const bGroup = await createGroup(scimB);
    // A's user id is skipped in B's group exactly like a made-up one: nothing stored.
    await scimB
      .patch(
        `/Groups/${bGroup.id}`,
        patchOp({ op: 'add', path: 'members', value: [{ value: u1.id }] }),
      )
      .expect(204);
    expect(await memberIds(scimB, bGroup.id)).toEqual([]);
    const list = await scimB
      .get(`/Groups?filter=${encodeURIComponent(`members.value eq "${u1.id}"`)}`)
      .expect(200);
    expect(list.body.totalResults).toBe(0);
    expect(await memberIds(scimA, group.id)).toEqual([u1.id]);
  });
});
