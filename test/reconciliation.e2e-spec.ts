import { v7 as uuidv7 } from 'uuid';
import { ReconciliationScheduler, ReconciliationService } from '@app/reconciliation';
import { asCompanyId } from '@app/common';
import { scimCompany, ScimCompany } from './factories/company.factory';
import { createGroup, oktaGroup } from './factories/group.factory';
import { createUser, oktaUser } from './factories/user.factory';
import { patchOp, scimClient, ScimClient } from './support/scim-client';
import { createTestApp, TestApp } from './support/test-app';

describe('sync status, members and reconciliation', () => {
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

  const api = (
    method: 'get' | 'post' | 'put' | 'patch' | 'delete',
    path: string,
    company: ScimCompany = a,
  ) =>
    t.http[method](`/api/companies/${company.companyId}${path}`).set(
      'Authorization',
      `Bearer ${company.admin}`,
    );
  const memberOf = async (email: string) => {
    const response = await api('get', `/members?email=${encodeURIComponent(email)}`).expect(200);
    return response.body.items[0];
  };

  describe('status card', () => {
    it('goes never_synced, healthy, error, healthy; disabled when SCIM is off', async () => {
      let card = await api('get', '/scim/status').expect(200);
      expect(card.body).toMatchObject({
        enabled: true,
        ssoConfigured: true,
        status: 'never_synced',
        lastSyncAt: null,
        lastSyncError: null,
        managedMemberships: 0,
        staleMemberships: 0,
        endpointUrl: 'https://scim.test/api/scim/v2',
        lastReconciliation: null,
      });
      await createUser(scim);
      card = await api('get', '/scim/status').expect(200);
      expect(card.body).toMatchObject({
        status: 'healthy',
        managedMemberships: 1,
        staleMemberships: 0,
      });
      expect(Date.parse(card.body.lastSyncAt)).toBeGreaterThan(Date.now() - 60_000);
      const refused = await scim
        .post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] })
        .expect(400);
      card = await api('get', '/scim/status').expect(200);
      expect(card.body.status).toBe('error');
      expect(card.body.lastSyncError).toMatchObject({
        detail: 'userName is required',
        status: 400,
        method: 'POST',
        resourceType: 'Users',
      });
      expect(card.body.lastSyncError.requestId).toBe(refused.headers['x-request-id']);
      await createUser(scim);
      card = await api('get', '/scim/status').expect(200);
      expect(card.body.status).toBe('healthy');
      expect(card.body.lastSyncError.detail).toBe('userName is required');
      await api('put', '/sso').send({ scimEnabled: false }).expect(200);
      card = await api('get', '/scim/status').expect(200);
      expect(card.body).toMatchObject({ enabled: false, status: 'disabled' });
    });

    it('warns about SCIM users without an email: stored, but linked to no member', async () => {
      await createUser(scim, oktaUser({ userName: 'no-email-here', emails: undefined }));
      const card = await api('get', '/scim/status').expect(200);
      expect(card.body.warnings).toEqual([
        expect.objectContaining({ code: 'users_without_email', count: 1 }),
      ]);
      expect(card.body.managedMemberships).toBe(0);
    });

    it('records SCIM requests without bodies or secrets in the provisioning log, naming only whom they concerned', async () => {
      const user = await createUser(scim, oktaUser({ password: 'Sup3rS3cret!' }));
      await scim.get(`/Users/${user.id}`).expect(200);
      await api('get', '/scim/status').expect(200); // flushes the log
      const rows = await t.query<Record<string, unknown>>(
        `SELECT * FROM "provisioning_events" WHERE "companyId" = $1`,
        [a.companyId],
      );
      expect(rows.map((row) => `${row.method} ${row.resourceType} ${row.status}`).sort()).toEqual([
        'GET Users 200',
        'POST Users 201',
      ]);
      expect(rows.find((row) => row.method === 'GET')).toMatchObject({
        resourceId: user.id,
        tokenId: a.tokenId,
        outcome: 'success',
      });
      // The one thing taken from a body: whom the write concerned (the Activity view's "who").
      expect(rows.find((row) => row.method === 'POST')).toMatchObject({
        operation: 'user.created',
        subject: user.userName,
      });
      const text = JSON.stringify(rows);
      expect(text).not.toContain('Sup3rS3cret!');
      expect(text).not.toContain(a.scimToken);
      for (const attribute of [
        user.externalId,
        user.displayName,
        (user.name as { familyName: string }).familyName,
      ])
        expect(text).not.toContain(attribute);
    });
  });

  describe('members API', () => {
    it('lists members with source, status, role, managed and stale; filters by each and by email; pages', async () => {
      await createUser(scim, oktaUser({ userName: 'zoe@example.com' }));
      await api('post', '/members')
        .send({ email: 'Manual.Person@Example.com', role: 'admin', source: 'manual' })
        .expect(201);
      await api('post', '/members')
        .send({ email: 'sso.person@example.com', role: 'member', source: 'sso' })
        .expect(201);
      const all = await api('get', '/members').expect(200);
      expect(all.body.total).toBe(3);
      expect(all.body.items.map((m: { email: string }) => m.email)).toEqual([
        'Manual.Person@Example.com',
        'sso.person@example.com',
        'zoe@example.com',
      ]);
      expect(all.body.items[2]).toMatchObject({
        role: 'member',
        status: 'active',
        source: 'scim',
        managed: true,
        stale: false,
        staleReason: null,
      });
      expect(
        (await api('get', '/members?source=sso').expect(200)).body.items.map(
          (m: { email: string }) => m.email,
        ),
      ).toEqual(['sso.person@example.com']);
      expect((await api('get', '/members?managed=true').expect(200)).body.total).toBe(1);
      expect((await api('get', '/members?role=admin').expect(200)).body.total).toBe(1);
      expect((await memberOf('MANUAL.person@example.com')).email).toBe('Manual.Person@Example.com');
      const page = await api('get', '/members?limit=1&offset=1').expect(200);
      expect(page.body).toMatchObject({
        total: 3,
        limit: 1,
        offset: 1,
        items: [expect.objectContaining({ email: 'sso.person@example.com' })],
      });
      // Keyset pages (nextAfter), each member once; a search by the start of the email.
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const current: { body: { items: { email: string }[]; nextAfter: string | null } } =
          await api('get', `/members?limit=2${after ? `&after=${after}` : ''}`).expect(200);
        seen.push(...current.body.items.map((m) => m.email));
        after = current.body.nextAfter;
      } while (after);
      expect(seen).toEqual(all.body.items.map((m: { email: string }) => m.email));
      const found = await api('get', '/members?search=MANUAL.').expect(200);
      expect(found.body).toMatchObject({
        total: 1,
        items: [expect.objectContaining({ email: 'Manual.Person@Example.com' })],
        nextAfter: null,
      });
      await api('get', '/members?after=not*a*cursor').expect(400);
      await api('post', '/members')
        .send({ email: 'manual.person@example.com', role: 'member', source: 'manual' })
        .expect(409);
      for (const [body, message] of [
        [
          { email: 'not-an-email', role: 'member', source: 'manual' },
          /email must be an email address/,
        ],
        [{ email: 'x@example.com', role: 'boss', source: 'manual' }, /role must be one of/],
        [
          { email: 'x@example.com', role: 'member', source: 'scim' },
          /source must be manual or sso/,
        ],
      ] as const) {
        const response = await api('post', '/members').send(body).expect(400);
        expect(response.body.message.join(' ')).toMatch(message);
      }
      const badQuery = await api('get', '/members?stale=maybe').expect(400);
      expect(badQuery.body.message.join(' ')).toMatch(/stale must be true or false/);
    });

    it("keeps companies apart: another company's admin cannot see or change these members", async () => {
      const other = await scimCompany(t);
      await createUser(scim, oktaUser({ userName: 'private@example.com' }));
      const member = await memberOf('private@example.com');
      await t.http
        .get(`/api/companies/${a.companyId}/members`)
        .set('Authorization', `Bearer ${other.admin}`)
        .expect(404);
      await api('patch', `/members/${member.id}`, other).send({ status: 'suspended' }).expect(404);
      expect((await api('get', '/members', other).expect(200)).body.total).toBe(0);
      await t.http
        .post(`/api/companies/${a.companyId}/scim/reconcile`)
        .set('Authorization', `Bearer ${other.admin}`)
        .expect(404);
    });
  });

  describe('stale rules and reconciliation', () => {
    it('marks a member for the drift rules once: a member already marked is not written again', async () => {
      const user = await createUser(scim, oktaUser({ userName: 'marked.once@example.com' }));
      const marked = async () =>
        (
          await t.query(
            'SELECT "driftDirty" FROM "members" WHERE "companyId" = $1 AND "emailKey" = $2',
            [a.companyId, 'marked.once@example.com'],
          )
        )[0].driftDirty;
      expect(Boolean(await marked())).toBe(true); // a new member is marked
      // The user's `active` moves the triggers to mark its member (by user and by email): the
      // member is marked already, so neither writes a row (each used to be a new row version
      // on PostgreSQL, a rewritten row on SQLite).
      const rowsWritten = await t.dataSource.transaction(async (manager) => {
        const count =
          t.engine === 'postgres'
            ? async () =>
                Number(
                  (
                    await manager.query(
                      `SELECT "n_tup_upd" AS "n" FROM pg_stat_xact_user_tables WHERE "relname" = 'members'`,
                    )
                  )[0].n,
                )
            : async () => Number((await manager.query('SELECT total_changes() AS "n"'))[0].n);
        const before = await count();
        await manager.query(
          t.engine === 'postgres'
            ? 'UPDATE "scim_users" SET "active" = NOT "active" WHERE "id" = $1'
            : 'UPDATE "scim_users" SET "active" = NOT "active" WHERE "id" = ?',
          [user.id],
        );
        // SQLite counts the UPDATE's own row too; PostgreSQL counts members only.
        return (await count()) - before - (t.engine === 'postgres' ? 0 : 1);
      });
      expect(rowsWritten).toBe(0);
      expect(Boolean(await marked())).toBe(true);
    });

    it('(a) access kept though the SCIM user is inactive: found, then revoked', async () => {
      const user = await createUser(scim, oktaUser({ userName: 'rule.a@example.com' }));
      await scim
        .patch(`/Users/${user.id}`, patchOp({ op: 'replace', path: 'active', value: false }))
        .expect(200);
      const member = await memberOf('rule.a@example.com');
      expect(member).toMatchObject({ status: 'suspended', stale: false });
      await api('patch', `/members/${member.id}`).send({ status: 'active' }).expect(200);
      expect(await memberOf('rule.a@example.com')).toMatchObject({
        status: 'active',
        stale: true,
        staleReason: 'access_not_revoked',
      });
      const run = await api('post', '/scim/reconcile').expect(200);
      expect(run.body).toMatchObject({
        trigger: 'manual',
        status: 'succeeded',
        staleFound: 1,
        fixed: 1,
      });
      expect(await memberOf('rule.a@example.com')).toMatchObject({
        status: 'suspended',
        stale: false,
      });
      const changes = await api('get', `/scim/reconciliations/${run.body.id}/changes`).expect(200);
      expect(changes.body).toEqual([
        expect.objectContaining({
          email: 'rule.a@example.com',
          reason: 'access_not_revoked',
          before: expect.objectContaining({ status: 'active' }),
          after: expect.objectContaining({ status: 'suspended' }),
        }),
      ]);
    });

    it('(b) access removed outside SCIM though the user is active: found, then restored; idempotent', async () => {
      await createUser(scim, oktaUser({ userName: 'rule.b@example.com' }));
      const member = await memberOf('rule.b@example.com');
      await api('patch', `/members/${member.id}`).send({ status: 'suspended' }).expect(200);
      const card = await api('get', '/scim/status').expect(200);
      expect(card.body).toMatchObject({
        staleMemberships: 1,
        staleByReason: expect.objectContaining({ access_removed_outside_scim: 1 }),
      });
      const stale = await api('get', '/members?stale=true').expect(200);
      expect(stale.body.items).toEqual([
        expect.objectContaining({
          email: 'rule.b@example.com',
          staleReason: 'access_removed_outside_scim',
        }),
      ]);
      await api('post', '/scim/reconcile').expect(200);
      expect(await memberOf('rule.b@example.com')).toMatchObject({
        status: 'active',
        stale: false,
      });
      const second = await api('post', '/scim/reconcile').expect(200);
      expect(second.body).toMatchObject({ staleFound: 0, fixed: 0 });
      const runs = await api('get', '/scim/reconciliations').expect(200);
      expect(runs.body.map((r: { fixed: number }) => r.fixed)).toEqual([0, 1]);
    });

    it('previews what Reconcile would change, changing nothing; Reconcile from the preview applies exactly that, or refuses once it moved', async () => {
      const emails = ['p1@example.com', 'p2@example.com', 'p3@example.com'];
      for (const userName of emails) await createUser(scim, oktaUser({ userName }));
      for (const email of emails.slice(0, 2)) {
        const member = await memberOf(email);
        await api('patch', `/members/${member.id}`).send({ status: 'suspended' }).expect(200);
      }
      const preview = await api('get', '/scim/reconcile/preview').expect(200);
      expect(preview.body).toMatchObject({
        total: 2,
        countsByReason: expect.objectContaining({ access_removed_outside_scim: 2 }),
        nextAfter: null,
      });
      expect(preview.body.changes).toEqual(
        emails.slice(0, 2).map((email) =>
          expect.objectContaining({
            email,
            reason: 'access_removed_outside_scim',
            before: expect.objectContaining({ status: 'suspended', managed: true }),
            after: expect.objectContaining({ status: 'active', managed: true }),
          }),
        ),
      );
      // A dry run: nothing changed, no run recorded; and it pages.
      expect((await memberOf(emails[0])).status).toBe('suspended');
      expect((await api('get', '/scim/reconciliations').expect(200)).body).toEqual([]);
      const first = await api('get', '/scim/reconcile/preview?limit=1').expect(200);
      expect(first.body.changes).toHaveLength(1);
      const second = await api(
        'get',
        `/scim/reconcile/preview?limit=1&after=${first.body.nextAfter}`,
      ).expect(200);
      expect(second.body.changes.map((c: { email: string }) => c.email)).toEqual([emails[1]]);
      expect(second.body.fingerprint).toBe(preview.body.fingerprint);
      await api('get', '/scim/reconcile/preview?limit=0').expect(400);
      // Something moved since the preview: Reconcile refuses and says so; nothing changes.
      const third = await memberOf(emails[2]);
      await api('patch', `/members/${third.id}`).send({ status: 'suspended' }).expect(200);
      const moved = await api('post', '/scim/reconcile')
        .send({ preview: preview.body.fingerprint })
        .expect(409);
      expect(moved.body.message).toContain('moved since the preview');
      expect(moved.body.message).toContain('3 members');
      expect((await memberOf(emails[0])).status).toBe('suspended');
      // Preview again, then Reconcile from it: exactly those three.
      const again = await api('get', '/scim/reconcile/preview').expect(200);
      expect(again.body.total).toBe(3);
      const run = await api('post', '/scim/reconcile')
        .send({ preview: again.body.fingerprint })
        .expect(200);
      expect(run.body).toMatchObject({ status: 'succeeded', fixed: 3 });
      for (const email of emails) expect((await memberOf(email)).status).toBe('active');
      const empty = await api('get', '/scim/reconcile/preview').expect(200);
      expect(empty.body).toMatchObject({ total: 0, changes: [], nextAfter: null });
      await api('post', '/scim/reconcile').send({ preview: 42 }).expect(400);
    });

    it('(c) a role that differs from the mapped groups: found, then fixed', async () => {
      const user = await createUser(scim, oktaUser({ userName: 'rule.c@example.com' }));
      await createGroup(scim, oktaGroup({ displayName: 'Admins', members: [{ value: user.id }] }));
      await api('post', '/scim/group-mappings')
        .send({ displayName: 'Admins', role: 'admin' })
        .expect(201);
      const member = await memberOf('rule.c@example.com');
      expect(member.role).toBe('admin');
      await api('patch', `/members/${member.id}`).send({ role: 'owner' }).expect(200);
      expect(await memberOf('rule.c@example.com')).toMatchObject({
        role: 'owner',
        staleReason: 'role_mismatch',
      });
      await api('post', '/scim/reconcile').expect(200);
      expect(await memberOf('rule.c@example.com')).toMatchObject({ role: 'admin', stale: false });
    });

    it('(d) the SCIM configuration deleted: managed members are stale, then released (or suspended by policy)', async () => {
      await createUser(scim, oktaUser({ userName: 'rule.d1@example.com' }));
      await createUser(scim, oktaUser({ userName: 'rule.d2@example.com' }));
      await api('delete', '/scim').expect(200);
      const card = await api('get', '/scim/status').expect(200);
      expect(card.body).toMatchObject({
        status: 'disabled',
        managedMemberships: 2,
        staleMemberships: 2,
      });
      await api('put', '/scim/reconciliation-settings')
        .send({ orphanPolicy: 'suspend' })
        .expect(200);
      const run = await api('post', '/scim/reconcile').expect(200);
      expect(run.body.countsByReason).toMatchObject({ scim_removed: 2 });
      expect(await memberOf('rule.d1@example.com')).toMatchObject({
        managed: false,
        status: 'suspended',
        stale: false,
      });
      expect((await api('get', '/scim/status').expect(200)).body).toMatchObject({
        managedMemberships: 0,
        staleMemberships: 0,
      });
    });

    it('an unmanaged member whose email matches an active SCIM user is unlinked, then linked', async () => {
      const user = await createUser(scim, oktaUser({ userName: 'later@example.com' }));
      await t.query(
        `UPDATE "members" SET "managed" = $1, "scimUserId" = NULL, "source" = 'manual' WHERE "companyId" = $2`,
        [t.engine === 'postgres' ? false : 0, a.companyId],
      );
      expect(await memberOf('later@example.com')).toMatchObject({
        managed: false,
        staleReason: 'unlinked',
      });
      await api('post', '/scim/reconcile').expect(200);
      expect(await memberOf('later@example.com')).toMatchObject({
        managed: true,
        scimUserId: user.id,
        stale: false,
        source: 'manual',
      });
    });

    it('works in batches and finishes what a crashed run left; a second run changes nothing', async () => {
      for (let i = 0; i < 12; i++)
        await createUser(scim, oktaUser({ userName: `batch${i}@example.com` }));
      await t.query(`UPDATE "members" SET "status" = 'suspended' WHERE "companyId" = $1`, [
        a.companyId,
      ]);
      const service = t.app.get(ReconciliationService);
      const companyId = asCompanyId(a.companyId);
      // A crash: a run that holds the lease and stopped after fixing some members.
      const crashedId = uuidv7();
      await t.query(
        `INSERT INTO "reconciliation_runs" ("id", "companyId", "trigger", "mode", "status", "startedAt", "heartbeatAt", "staleFound", "fixed", "countsByReason") VALUES ($1, $2, 'manual', 'repair', 'running', $3, $4, 5, 5, '{}')`,
        [crashedId, a.companyId, Date.now() - 120_000, Date.now() - 120_000],
      );
      await t.query(
        `INSERT INTO "company_leases" ("companyId", "name", "holder", "expiresAt", "lastTick") VALUES ($1, 'reconcile', 'crashed', $2, 0)`,
        [a.companyId, Date.now() - 1000],
      );
      const run = await service.run(companyId, 'manual', 'repair', 'test');
      expect(run).toMatchObject({ status: 'succeeded', staleFound: 12, fixed: 12 });
      const old = await t.query(`SELECT "status" FROM "reconciliation_runs" WHERE "id" = $1`, [
        crashedId,
      ]);
      expect(old[0].status).toBe('failed');
      expect((await service.run(companyId, 'manual', 'repair', 'test')).fixed).toBe(0);
    });

    it('answers the running pass to a reconcile request made while one runs', async () => {
      await createUser(scim);
      const runningId = uuidv7();
      await t.query(
        `INSERT INTO "reconciliation_runs" ("id", "companyId", "trigger", "mode", "status", "startedAt", "heartbeatAt", "staleFound", "fixed", "countsByReason") VALUES ($1, $2, 'scheduled', 'repair', 'running', $3, $4, 0, 0, '{}')`,
        [runningId, a.companyId, Date.now(), Date.now()],
      );
      await t.query(
        `INSERT INTO "company_leases" ("companyId", "name", "holder", "expiresAt", "lastTick") VALUES ($1, 'reconcile', $2, $3, 0)`,
        [a.companyId, runningId, Date.now() + 60_000],
      );
      const response = await api('post', '/scim/reconcile').expect(200);
      expect(response.body).toMatchObject({
        id: runningId,
        status: 'running',
        trigger: 'scheduled',
      });
      expect((await api('get', '/scim/reconciliations').expect(200)).body).toHaveLength(1);
    });
  });

  describe('schedule', () => {
    it('detects on each tick once per company, and repairs where the company opted in', async () => {
      await createUser(scim, oktaUser({ userName: 'tick@example.com' }));
      const member = await memberOf('tick@example.com');
      await api('patch', `/members/${member.id}`).send({ status: 'suspended' }).expect(200);
      const scheduler = t.app.get(ReconciliationScheduler);
      const tick = Date.now();
      await scheduler.tick(tick);
      await scheduler.tick(tick); // the same tick again: nothing more for this company
      let runs = (await api('get', '/scim/reconciliations').expect(200)).body;
      expect(runs).toEqual([
        expect.objectContaining({ trigger: 'scheduled', mode: 'detect', staleFound: 1, fixed: 0 }),
      ]);
      expect((await memberOf('tick@example.com')).stale).toBe(true);
      await api('put', '/scim/reconciliation-settings').send({ autoRepair: true }).expect(200);
      await scheduler.tick(tick + 1);
      runs = (await api('get', '/scim/reconciliations').expect(200)).body;
      expect(runs[0]).toMatchObject({ trigger: 'scheduled', mode: 'repair', fixed: 1 });
      expect((await memberOf('tick@example.com')).stale).toBe(false);
    });

    // Several instances share one PostgreSQL; on SQLite one process is assumed (README).
    (process.env.DATABASE_URL ? it : it.skip)(
      'runs each tick once per company with two instances on one database',
      async () => {
        const second = await createTestApp();
        try {
          await createUser(scim);
          const tick = Date.now() + 1000;
          await Promise.all([
            t.app.get(ReconciliationScheduler).tick(tick),
            second.app.get(ReconciliationScheduler).tick(tick),
          ]);
          const runs = (await api('get', '/scim/reconciliations').expect(200)).body;
          expect(
            runs.filter((run: { trigger: string }) => run.trigger === 'scheduled'),
          ).toHaveLength(1);
        } finally {
          await second.close();
        }
      },
    );

    it('prunes the provisioning log past its retention, and keeps what is recent', async () => {
      await createUser(scim);
      await api('get', '/scim/status').expect(200);
      const oldEventId = uuidv7();
      await t.query(
        `INSERT INTO "provisioning_events" ("id", "companyId", "tokenId", "method", "resourceType", "resourceId", "outcome", "status", "errorDetail", "requestId", "durationMs", "createdAt") VALUES ($1, $2, NULL, 'GET', 'Users', NULL, 'success', 200, NULL, NULL, 1, $3)`,
        [oldEventId, a.companyId, Date.now() - 40 * 86_400_000],
      );
      await t.app.get(ReconciliationScheduler).tick(Date.now() + 5);
      const rows = await t.query<{ id: string }>(
        `SELECT "id" FROM "provisioning_events" WHERE "companyId" = $1`,
        [a.companyId],
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.map((row) => row.id)).not.toContain(oldEventId);
    });
  });
});
