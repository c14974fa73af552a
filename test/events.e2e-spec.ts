import { randomUUID } from 'node:crypto';
import { seedUsers } from '../bench/seed';
import { asCompanyId } from '@app/common';
import { MembersService } from '@app/directory';
import { EventRetentionService, PlatformKeysService } from '@app/events';
import { ReconciliationService } from '@app/reconciliation';
import { newCompanyId, scimCompany, ScimCompany } from './factories/company.factory';
import { createGroup, oktaGroup } from './factories/group.factory';
import { createUser, oktaUser } from './factories/user.factory';
import { patchOp, scimClient, ScimClient } from './support/scim-client';
import { adminJwt, createTestApp, TestApp } from './support/test-app';

interface Event {
  id: string;
  type: string;
  companyId: string;
  occurredAt: string;
  sequence: number;
  data: Record<string, unknown>;
}

/**
 * The outbox and the feeds (issue 13): each event type from its real cause, committed with
 * its change (never for a rollback, a read or a write that changed nothing), ordered and
 * cursor-paged, with a long poll; the platform feed only for a platform key.
 */
describe('events: outbox and feeds', () => {
  let t: TestApp;
  let a: ScimCompany;
  let scim: ScimClient;
  let platformKey: string;

  beforeAll(async () => {
    t = await createTestApp();
    platformKey = (await t.app.get(PlatformKeysService).create('events test', 'test')).key;
  });
  beforeEach(async () => {
    a = await scimCompany(t);
    scim = scimClient(t, a.scimToken);
  });
  afterAll(() => t.close());

  const admin = (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string) =>
    t.http[method](`/api/companies/${a.companyId}${path}`).set(
      'Authorization',
      `Bearer ${a.admin}`,
    );

  /** The company's feed after `after` (all of it when absent). */
  const feed = async (query = ''): Promise<{ data: Event[]; nextCursor: string }> =>
    (await admin('get', `/events?limit=1000${query}`).expect(200)).body;
  const typesAfter = async (cursor: string) =>
    (await feed(`&after=${cursor}`)).data.map((event) => event.type);
  const cursorNow = async () => (await feed()).nextCursor;

  it('a SCIM user: created, deactivated, reactivated, deleted, each with its access event and cause', async () => {
    let cursor = await cursorNow();
    const user = await createUser(scim, oktaUser({ userName: 'dana@example.com' }));
    let page = await feed(`&after=${cursor}`);
    expect(page.data.map((event) => event.type)).toEqual(['member.access_granted', 'user.created']);
    const [granted, created] = page.data;
    expect(granted.data).toMatchObject({
      email: 'dana@example.com',
      role: 'member',
      source: 'scim',
      cause: { kind: 'scim', tokenId: a.tokenId },
    });
    expect((granted.data.cause as { requestId: string }).requestId).toEqual(expect.any(String));
    expect(created.data).toEqual({
      userId: user.id,
      userName: 'dana@example.com',
      externalId: expect.any(String),
      active: true,
      cause: granted.data.cause,
    });
    expect(created).toMatchObject({ companyId: a.companyId, sequence: granted.sequence + 1 });
    cursor = page.nextCursor;

    await scim
      .patch(`/Users/${user.id}`, patchOp({ op: 'replace', path: 'active', value: false }))
      .expect(200);
    page = await feed(`&after=${cursor}`);
    expect(page.data.map((event) => event.type)).toEqual(['member.access_revoked', 'user.updated']);
    expect(page.data[0].data).toMatchObject({
      memberId: granted.data.memberId,
      email: 'dana@example.com',
      status: 'suspended',
      previousStatus: 'active',
    });
    expect(page.data[1].data).toMatchObject({ userId: user.id, active: false });
    cursor = page.nextCursor;

    // A write that changes nothing, and reads, write no event.
    await scim
      .patch(`/Users/${user.id}`, patchOp({ op: 'replace', path: 'active', value: false }))
      .expect(200);
    await scim.get(`/Users/${user.id}`).expect(200);
    await scim.get('/Users?filter=userName eq "dana@example.com"').expect(200);
    expect(await typesAfter(cursor)).toEqual([]);

    await scim
      .patch(`/Users/${user.id}`, patchOp({ op: 'replace', path: 'active', value: true }))
      .expect(200);
    expect(await typesAfter(cursor)).toEqual(['member.access_granted', 'user.updated']);
    cursor = await cursorNow();

    await scim.delete(`/Users/${user.id}`).expect(204);
    page = await feed(`&after=${cursor}`);
    expect(page.data.map((event) => event.type)).toEqual(['member.access_revoked', 'user.deleted']);
    expect(page.data[0].data).toMatchObject({ status: 'deprovisioned', previousStatus: 'active' });
  });

  it('groups: created with members, renamed, members added and removed, deleted; roles through mappings', async () => {
    const u1 = await createUser(scim, oktaUser({ userName: 'u1@example.com' }));
    const u2 = await createUser(scim, oktaUser({ userName: 'u2@example.com' }));
    let cursor = await cursorNow();
    const group = await createGroup(
      scim,
      oktaGroup({ displayName: 'Engineering', members: [{ value: u1.id }] }),
    );
    let page = await feed(`&after=${cursor}`);
    expect(page.data.map((event) => [event.type, event.data])).toEqual([
      [
        'group.created',
        {
          groupId: group.id,
          displayName: 'Engineering',
          externalId: null,
          cause: expect.objectContaining({ kind: 'scim' }),
        },
      ],
      [
        'group.members_added',
        {
          groupId: group.id,
          userIds: [u1.id],
          groupIds: [],
          cause: expect.objectContaining({ kind: 'scim' }),
        },
      ],
    ]);
    cursor = page.nextCursor;

    // The group's mapping to `admin` changes u1's role: an admin action's cause.
    await admin('post', '/scim/group-mappings')
      .send({ groupId: group.id, role: 'admin' })
      .expect(201);
    page = await feed(`&after=${cursor}`);
    expect(page.data.map((event) => [event.type, event.data.email, event.data.role])).toEqual([
      ['member.role_changed', 'u1@example.com', 'admin'],
    ]);
    expect(page.data[0].data).toMatchObject({
      previousRole: 'member',
      cause: { kind: 'admin', adminId: `owner-of-${a.companyId}` },
    });
    cursor = page.nextCursor;

    await scim
      .patch(
        `/Groups/${group.id}`,
        patchOp(
          { op: 'replace', path: 'displayName', value: 'Platform Engineering' },
          { op: 'add', path: 'members', value: [{ value: u2.id }] },
          { op: 'remove', path: `members[value eq "${u1.id}"]` },
        ),
      )
      .expect(204);
    page = await feed(`&after=${cursor}`);
    expect(page.data.map((event) => event.type).sort()).toEqual(
      [
        'group.updated',
        'group.members_added',
        'group.members_removed',
        'member.role_changed',
        'member.role_changed',
      ].sort(),
    );
    const byType = (type: string) => page.data.filter((event) => event.type === type);
    expect(byType('group.members_added')[0].data).toMatchObject({ userIds: [u2.id] });
    expect(byType('group.members_removed')[0].data).toMatchObject({ userIds: [u1.id] });
    expect(byType('group.updated')[0].data).toMatchObject({ displayName: 'Platform Engineering' });
    cursor = page.nextCursor;

    await scim.delete(`/Groups/${group.id}`).expect(204);
    expect((await typesAfter(cursor)).sort()).toEqual(['group.deleted', 'member.role_changed']);
  });

  it('a user deleted leaves every group it was in, reported per group', async () => {
    const user = await createUser(scim);
    const g1 = await createGroup(
      scim,
      oktaGroup({ displayName: 'G1', members: [{ value: user.id }] }),
    );
    const g2 = await createGroup(
      scim,
      oktaGroup({ displayName: 'G2', members: [{ value: user.id }] }),
    );
    const cursor = await cursorNow();
    await scim.delete(`/Users/${user.id}`).expect(204);
    const removed = (await feed(`&after=${cursor}`)).data.filter(
      (event) => event.type === 'group.members_removed',
    );
    expect(removed.map((event) => event.data.groupId).sort()).toEqual([g1.id, g2.id].sort());
  });

  it('a big membership change is chunked: at most 1,000 ids per event', async () => {
    const users = await seedUsers(t.dataSource, a.companyId, 2500, { userNamePrefix: 'bulk' });
    const group = await createGroup(scim, oktaGroup({ displayName: 'Everyone' }));
    const cursor = await cursorNow();
    await scim
      .patch(
        `/Groups/${group.id}`,
        patchOp({ op: 'add', path: 'members', value: users.map((value) => ({ value })) }),
      )
      .expect(204);
    const added = (await feed(`&after=${cursor}&type=group.members_added`)).data;
    expect(added.map((event) => (event.data.userIds as string[]).length)).toEqual([
      1000, 1000, 500,
    ]);
    expect(new Set(added.flatMap((event) => event.data.userIds as string[])).size).toBe(2500);
  }, 120_000);

  it('admin actions: tokens created and revoked, the configuration deleted, a member suspended', async () => {
    let cursor = await cursorNow();
    const token = await admin('post', '/scim/tokens').send({ label: 'Entra' }).expect(201);
    await admin('post', `/scim/tokens/${token.body.id}/revoke`).expect(200);
    await admin('post', `/scim/tokens/${token.body.id}/revoke`).expect(200); // changes nothing
    let page = await feed(`&after=${cursor}`);
    const actor = { kind: 'admin', adminId: `owner-of-${a.companyId}` };
    expect(page.data.map((event) => [event.type, event.data])).toEqual([
      ['scim.token_created', { tokenId: token.body.id, label: 'Entra', actor }],
      ['scim.token_revoked', { tokenId: token.body.id, label: 'Entra', actor }],
    ]);
    // No secret in any event.
    expect(JSON.stringify(page.data)).not.toContain(token.body.token);
    cursor = page.nextCursor;

    const member = await admin('post', '/members')
      .send({ email: 'invited@example.com', role: 'member', source: 'manual' })
      .expect(201);
    await admin('patch', `/members/${member.body.id}`).send({ status: 'suspended' }).expect(200);
    await admin('patch', `/members/${member.body.id}`).send({ role: 'admin' }).expect(200);
    page = await feed(`&after=${cursor}`);
    expect(page.data.map((event) => event.type)).toEqual([
      'member.access_granted',
      'member.access_revoked',
      'member.role_changed',
    ]);
    cursor = page.nextCursor;

    await admin('delete', '/scim').expect(200);
    page = await feed(`&after=${cursor}`);
    expect(page.data.map((event) => [event.type, event.data])).toEqual([
      ['scim.configuration_deleted', { revokedTokens: 1, actor }],
    ]);
  });

  it('a reconciliation: its repairs name the run, and the run reports its end', async () => {
    const user = await createUser(scim, oktaUser({ userName: 'drift@example.com' }));
    const [member] = (await admin('get', '/members?email=drift@example.com').expect(200)).body
      .items;
    // An admin suspends a managed member outside SCIM: drift the run repairs.
    await admin('patch', `/members/${member.id}`).send({ status: 'suspended' }).expect(200);
    const cursor = await cursorNow();
    const run = await admin('post', '/scim/reconcile').expect(200);
    const page = await feed(`&after=${cursor}`);
    expect(page.data.map((event) => [event.type, event.data])).toEqual([
      [
        'member.access_granted',
        expect.objectContaining({
          memberId: member.id,
          cause: { kind: 'reconciliation', runId: run.body.id },
        }),
      ],
      [
        'reconciliation.finished',
        {
          runId: run.body.id,
          trigger: 'manual',
          mode: 'repair',
          status: 'succeeded',
          staleFound: 1,
          fixed: 1,
        },
      ],
    ]);
    expect(user.id).toBeDefined();
    // The scheduled job's runs report too.
    const scheduled = await t.app
      .get(ReconciliationService)
      .run(asCompanyId(a.companyId), 'scheduled', 'repair', null);
    const last = (await feed(`&after=${page.nextCursor}`)).data;
    expect(last.map((event) => [event.type, event.data.runId, event.data.trigger])).toEqual([
      ['reconciliation.finished', scheduled.id, 'scheduled'],
    ]);
  });

  /**
   * Runs `work` with the member sync failing after it linked the member and recorded its
   * access event, for the emails `fails` picks: the write then rolls back late.
   */
  async function failingAfterMemberSync<T>(
    fails: (email: string | null) => boolean,
    work: () => Promise<T>,
  ): Promise<T> {
    const members = t.app.get(MembersService);
    const original = members.syncScimUser.bind(members);
    members.syncScimUser = async (...args) => {
      await original(...args);
      if (fails(args[2].email)) throw new Error('injected failure after the change');
    };
    try {
      return await work();
    } finally {
      members.syncScimUser = original;
    }
  }

  it('a change that rolls back leaves no event, and its events never commit without it', async () => {
    const cursor = await cursorNow();
    await failingAfterMemberSync(
      () => true,
      () => scim.post('/Users', oktaUser({ userName: 'rolled@example.com' })).expect(500),
    );
    expect(await typesAfter(cursor)).toEqual([]);
    const listed = await scim.get('/Users?filter=userName eq "rolled@example.com"').expect(200);
    expect(listed.body.totalResults).toBe(0);
    const found = await admin('get', '/members?email=rolled@example.com').expect(200);
    expect(found.body.items).toEqual([]);
  });

  it('concurrent writes where one rolls back: only its events are gone (SQLite: one shared commit)', async () => {
    const cursor = await cursorNow();
    const names = ['grouped0', 'grouped1', 'grouped-doomed', 'grouped2', 'grouped3'];
    const statuses = await failingAfterMemberSync(
      (email) => email === 'grouped-doomed@example.com',
      () =>
        Promise.all(
          names.map(
            async (name) =>
              (await scim.post('/Users', oktaUser({ userName: `${name}@example.com` }))).status,
          ),
        ),
    );
    expect(statuses).toEqual([201, 201, 500, 201, 201]);
    const events = (await feed(`&after=${cursor}`)).data;
    expect(events.map((event) => event.data.userName ?? event.data.email).sort()).toEqual(
      [
        'grouped0',
        'grouped0',
        'grouped1',
        'grouped1',
        'grouped2',
        'grouped2',
        'grouped3',
        'grouped3',
      ].map((name) => `${name}@example.com`),
    );
    const first = events[0].sequence;
    expect(events.map((event) => event.sequence)).toEqual(events.map((_, i) => first + i));
    const found = await admin('get', '/members?email=grouped-doomed@example.com').expect(200);
    expect(found.body.items).toEqual([]);
  });

  it('concurrent writes of one company: sequences are gapless and follow commit order', async () => {
    const cursor = await cursorNow();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        createUser(scim, oktaUser({ userName: `parallel${i}@example.com` })),
      ),
    );
    const events = (await feed(`&after=${cursor}`)).data;
    expect(events).toHaveLength(60);
    const first = events[0].sequence;
    expect(events.map((event) => event.sequence)).toEqual(events.map((_, i) => first + i));
    // Each user's two events are adjacent: one transaction's events are never interleaved.
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i].data.email).toBe(events[i + 1].data.userName);
    }
  });

  describe('feeds', () => {
    it('pages with the cursor, filters by type, and refuses a cursor of another feed', async () => {
      const cursor = await cursorNow();
      for (let i = 0; i < 5; i++)
        await createUser(scim, oktaUser({ userName: `p${i}@example.com` }));
      const seen: Event[] = [];
      let after = cursor;
      for (;;) {
        const page = (await admin('get', `/events?limit=3&after=${after}`).expect(200)).body;
        seen.push(...page.data);
        if (page.data.length === 0) break;
        after = page.nextCursor;
      }
      expect(seen).toHaveLength(10);
      const created = await feed(`&after=${cursor}&type=user.created`);
      expect(created.data.map((event) => event.data.userName)).toEqual(
        Array.from({ length: 5 }, (_, i) => `p${i}@example.com`),
      );
      // A list of types: comma-separated, or the parameter repeated (OpenAPI's default form).
      for (const types of [
        'type=user.created,user.deleted',
        'type=user.created&type=user.deleted',
      ]) {
        const listed = await feed(`&after=${cursor}&${types}`);
        expect(listed.data.map((event) => event.type)).toEqual(Array(5).fill('user.created'));
      }
      const platform = await t.http
        .get('/api/platform/events?limit=1')
        .set('Authorization', `Bearer ${platformKey}`)
        .expect(200);
      const refused = await admin('get', `/events?after=${platform.body.nextCursor}`).expect(400);
      expect(JSON.stringify(refused.body)).toMatch(/after is not a cursor/);
      for (const [query, field] of [
        ['type=user.exploded', /type must be/],
        ['type=user.created&type=user.exploded', /type must be/],
        ['limit=0', /limit must be/],
        ['limit=1001', /limit must be/],
        ['wait=31', /wait must be/],
        ['after=bm90LWEtY3Vyc29y', /after is not a cursor/],
      ] as const) {
        const bad = await admin('get', `/events?${query}`).expect(400);
        expect(JSON.stringify(bad.body)).toMatch(field);
      }
    });

    it('a long poll answers as soon as an event commits, and an empty one when the wait is over', async () => {
      const cursor = await cursorNow();
      const started = Date.now();
      const polled = admin('get', `/events?after=${cursor}&wait=10`);
      setTimeout(() => void createUser(scim, oktaUser({ userName: 'late@example.com' })), 300);
      const answer = await polled.expect(200);
      expect(answer.body.data.map((event: Event) => event.type)).toContain('user.created');
      expect(Date.now() - started).toBeLessThan(3000);

      const quiet = Date.now();
      const empty = await admin('get', `/events?after=${answer.body.nextCursor}&wait=1`).expect(
        200,
      );
      expect(empty.body).toEqual({ data: [], nextCursor: answer.body.nextCursor });
      expect(Date.now() - quiet).toBeGreaterThanOrEqual(900);
    });

    it('the platform feed: every company, one company, only with a platform key', async () => {
      const b = await scimCompany(t);
      const start = (
        await t.http
          .get('/api/platform/events?limit=1000')
          .set('Authorization', `Bearer ${platformKey}`)
      ).body;
      let after = start.nextCursor;
      // Drain what earlier tests left.
      for (;;) {
        const page = await t.http
          .get(`/api/platform/events?limit=1000&after=${after}`)
          .set('Authorization', `Bearer ${platformKey}`)
          .expect(200);
        if (page.body.data.length === 0) break;
        after = page.body.nextCursor;
      }
      await createUser(scim, oktaUser({ userName: 'in-a@example.com' }));
      await createUser(scimClient(t, b.scimToken), oktaUser({ userName: 'in-b@example.com' }));
      const all = await t.http
        .get(`/api/platform/events?after=${after}&type=user.created`)
        .set('Authorization', `Bearer ${platformKey}`)
        .expect(200);
      expect(all.body.data.map((event: Event) => [event.companyId, event.data.userName])).toEqual([
        [a.companyId, 'in-a@example.com'],
        [b.companyId, 'in-b@example.com'],
      ]);
      const one = await t.http
        .get(`/api/platform/events?after=${after}&companyId=${b.companyId}`)
        .set('Authorization', `Bearer ${platformKey}`)
        .expect(200);
      expect(new Set(one.body.data.map((event: Event) => event.companyId))).toEqual(
        new Set([b.companyId]),
      );

      // An admin JWT (even an owner's), a SCIM token, nothing, a revoked key: 401.
      for (const credential of [a.admin, a.scimToken, undefined]) {
        const request = t.http.get('/api/platform/events');
        if (credential) request.set('Authorization', `Bearer ${credential}`);
        await request.expect(401);
      }
      const keys = t.app.get(PlatformKeysService);
      const revoked = await keys.create('short-lived', 'test');
      await t.http
        .get('/api/platform/events')
        .set('Authorization', `Bearer ${revoked.key}`)
        .expect(200);
      await keys.revoke(revoked.id, 'test');
      await t.http
        .get('/api/platform/events')
        .set('Authorization', `Bearer ${revoked.key}`)
        .expect(401);
      // A company admin reads only the company's own events: another company's is a 404.
      await t.http
        .get(`/api/companies/${b.companyId}/events`)
        .set('Authorization', `Bearer ${a.admin}`)
        .expect(404);
      const other = await adminJwt(t.config, [{ id: newCompanyId(), role: 'member' }]);
      await t.http
        .get(`/api/companies/${a.companyId}/events`)
        .set('Authorization', `Bearer ${other}`)
        .expect(404);
    });

    // PostgreSQL commits concurrent transactions out of order: T1 takes position 1, T2
    // position 2 and commits first. A reader must not move its cursor past 2 while 1 may
    // still commit.
    (process.env.DATABASE_URL ? it : it.skip)(
      'the platform feed never skips an event that commits later with an earlier position',
      async () => {
        const x = newCompanyId('tx1');
        const y = newCompanyId('tx2');
        const key = { Authorization: `Bearer ${platformKey}` };
        const insert = `INSERT INTO "events" ("id", "companyId", "type", "sequence", "occurredAt", "data")
          VALUES ($1, $2, 'user.created', 1, $3, '{}')`;
        let cursor = (await t.http.get('/api/platform/events?limit=1000').set(key)).body.nextCursor;
        for (;;) {
          const page = await t.http.get(`/api/platform/events?limit=1000&after=${cursor}`).set(key);
          if (page.body.data.length === 0) break;
          cursor = page.body.nextCursor;
        }
        const t1 = t.dataSource.createQueryRunner();
        const t2 = t.dataSource.createQueryRunner();
        try {
          await t1.startTransaction();
          await t1.query(insert, [randomUUID(), x, Date.now()]);
          await t2.startTransaction();
          await t2.query(insert, [randomUUID(), y, Date.now()]);
          await t2.commitTransaction();
          // T2 committed; T1 is still open with the earlier position.
          const during = await t.http
            .get(`/api/platform/events?after=${cursor}`)
            .set(key)
            .expect(200);
          expect(during.body.data.filter((e: Event) => [x, y].includes(e.companyId))).toEqual([]);
          await t1.commitTransaction();
          const after = await t.http
            .get(`/api/platform/events?after=${during.body.nextCursor}`)
            .set(key)
            .expect(200);
          expect(
            after.body.data
              .map((e: Event) => e.companyId)
              .filter((id: string) => [x, y].includes(id)),
          ).toEqual([x, y]);
        } finally {
          await t1.release();
          await t2.release();
        }
      },
    );

    it('retention: events older than EVENT_RETENTION_DAYS are pruned by the scheduled job', async () => {
      await createUser(scim, oktaUser({ userName: 'old@example.com' }));
      const before = (await feed()).data.length;
      expect(before).toBeGreaterThan(0);
      const retention = t.app.get(EventRetentionService);
      expect(await retention.prune(Date.now() - 31 * 86_400_000)).toBe(0);
      await retention.prune(Date.now() + 31 * 86_400_000);
      expect((await feed()).data).toEqual([]);
    });
  });
});
