import { CompanyId } from '@app/common';
import { activityStatement, ProvisioningLogService } from '@app/sync-status';
import { newCompanyId, scimCompany, ScimCompany } from './factories/company.factory';
import { patchOp, scimClient, USER_SCHEMA } from './support/scim-client';
import { adminJwt, createTestApp, TestApp } from './support/test-app';

interface Entry {
  id: string;
  at: string;
  method: string;
  resourceType: string;
  resourceId: string | null;
  operation: string | null;
  subject: string | null;
  outcome: string;
  status: number;
  errorDetail: string | null;
  requestId: string | null;
}
interface Page {
  items: Entry[];
  nextBefore: string | null;
}

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('activity: what the IdP did (GET /api/companies/:companyId/scim/activity)', () => {
  let t: TestApp;
  let company: ScimCompany;
  let scim: ReturnType<typeof scimClient>;
  let danaId: string;

  beforeAll(async () => {
    t = await createTestApp();
    company = await scimCompany(t);
    scim = scimClient(t, company.scimToken);
    const dana = await scim
      .post('/Users', { schemas: [USER_SCHEMA], userName: 'Dana@Acme.example', active: true })
      .expect(201);
    danaId = dana.body.id;
    await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'lee@acme.example' }).expect(201);
    await scim.get(`/Users/${danaId}`).expect(200); // a read: not activity
    await scim
      .patch(`/Users/${danaId}`, patchOp({ op: 'replace', path: 'active', value: false }))
      .set('X-Request-Id', 'req-deactivate-1')
      .expect(200);
    await scim
      .patch(`/Users/${danaId}`, patchOp({ op: 'replace', path: 'active', value: true }))
      .expect(200);
    // Refused: the userName is taken (what an admin must act on), and a bad PATCH to Dana.
    await scim
      .post('/Users', { schemas: [USER_SCHEMA], userName: 'lee@acme.example' })
      .set('X-Request-Id', 'req-conflict-1')
      .expect(409);
    await scim
      .patch(`/Users/${danaId}`, patchOp({ op: 'explode', path: 'active', value: true }))
      .expect(400);
    const group = await scim
      .post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering' })
      .expect(201);
    await scim
      .patch(
        `/Groups/${group.body.id}`,
        patchOp({ op: 'add', path: 'members', value: [{ value: danaId }] }),
      )
      .expect(204);
    const lee = await scim.get('/Users?filter=userName eq "lee@acme.example"').expect(200);
    await scim.delete(`/Users/${lee.body.Resources[0].id}`).expect(204);
    // A Bulk request's operations are activity one by one.
    await scim
      .post('/Bulk', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [
          {
            method: 'POST',
            path: '/Users',
            bulkId: 'b1',
            data: { schemas: [USER_SCHEMA], userName: 'kim@acme.example' },
          },
        ],
      })
      .expect(200);
    await t.app.get(ProvisioningLogService).flush();
  });
  afterAll(() => t.close());

  const activity = async (query = '', admin = company.admin, companyId = company.companyId) =>
    t.http
      .get(`/api/companies/${companyId}/scim/activity${query}`)
      .set('Authorization', `Bearer ${admin}`);
  const page = async (query = '') => {
    const response = await activity(query);
    expect(response.status).toBe(200);
    return response.body as Page;
  };

  it('lists every write and every refused request, newest first, in the domain words, without reads', async () => {
    const { items } = await page();
    expect(items.map((item) => [item.operation, item.subject, item.outcome])).toEqual([
      ['user.created', 'kim@acme.example', 'success'],
      ['user.deleted', 'lee@acme.example', 'success'],
      ['group.updated', 'Engineering', 'success'],
      ['group.created', 'Engineering', 'success'],
      ['user.updated', 'Dana@Acme.example', 'refused'],
      ['user.created', 'lee@acme.example', 'refused'],
      ['user.reactivated', 'Dana@Acme.example', 'success'],
      ['user.deactivated', 'Dana@Acme.example', 'success'],
      ['user.created', 'lee@acme.example', 'success'],
      ['user.created', 'Dana@Acme.example', 'success'],
    ]);
    const deactivated = items.find((item) => item.operation === 'user.deactivated')!;
    expect(deactivated).toMatchObject({
      method: 'PATCH',
      resourceType: 'Users',
      resourceId: danaId,
      status: 200,
      requestId: 'req-deactivate-1',
      errorDetail: null,
    });
    expect(new Date(deactivated.at).toISOString()).toBe(deactivated.at);
  });

  it('says why a request was refused, with its request id', async () => {
    const { items } = await page('?outcome=failure');
    expect(items.map((item) => item.status)).toEqual([400, 409]);
    expect(items[1]).toMatchObject({
      subject: 'lee@acme.example',
      requestId: 'req-conflict-1',
      errorDetail: expect.stringContaining('already exists'),
    });
  });

  it('filters by person, in any case, and by time', async () => {
    const dana = await page('?email=dana@ACME.example');
    expect(dana.items.map((item) => item.operation)).toEqual([
      'user.updated',
      'user.reactivated',
      'user.deactivated',
      'user.created',
    ]);
    const all = (await page()).items;
    const middle = all[4].at;
    const since = await page(`?since=${encodeURIComponent(middle)}`);
    expect(since.items.every((item) => item.at >= middle)).toBe(true);
    expect(since.items.length).toBeGreaterThanOrEqual(5);
    const until = await page(`?until=${encodeURIComponent(middle)}`);
    expect(until.items.every((item) => item.at < middle)).toBe(true);
    expect(since.items.length + until.items.length).toBe(all.length);
  });

  it('pages with nextBefore, every entry once', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const current: Page = await page(`?limit=3${before ? `&before=${before}` : ''}`);
      expect(current.items.length).toBeLessThanOrEqual(3);
      seen.push(...current.items.map((item) => item.id));
      before = current.nextBefore;
    } while (before);
    expect(seen).toEqual((await page()).items.map((item) => item.id));
  });

  it('refuses bad queries naming the field, and keeps companies apart', async () => {
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?outcome=oops', 'outcome'],
      ['?since=yesterday', 'since'],
      ['?before=nope', 'before'],
    ]) {
      const response = await activity(query);
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body.message)).toContain(field);
    }
    const otherId = newCompanyId();
    const other = await adminJwt(t.config, [{ id: otherId, role: 'owner' }]);
    const theirs = await activity('', other, otherId);
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);
    expect((await activity('', other)).status).toBe(404);
  });

  it('reads a page from the activity index, past any number of successful reads', async () => {
    // An IdP's lookups outnumber its writes: 5,000 successful reads, then one page.
    const log = t.app.get(ProvisioningLogService);
    const now = Date.now();
    for (let i = 0; i < 5000; i++) {
      log.record({
        id: `${(now + i)
          .toString(16)
          .padStart(12, '0')
          .replace(/^(.{8})(.{4})$/, '$1-$2')}-7000-8000-${String(i).padStart(12, '0')}`,
        companyId: company.companyId as CompanyId,
        tokenId: company.tokenId,
        method: 'GET',
        resourceType: 'Users',
        resourceId: danaId,
        outcome: 'success',
        status: 200,
        errorDetail: null,
        requestId: null,
        durationMs: 1,
        operation: null,
        subject: null,
        subjectKey: null,
        createdAt: new Date(now + i),
      });
    }
    await log.flush();
    expect((await page('?limit=3')).items.map((item) => item.operation)).toEqual([
      'user.created',
      'user.deleted',
      'group.updated',
    ]);
    for (const query of [
      {},
      { outcome: 'failure' as const },
      { since: new Date(now).toISOString() },
    ]) {
      const { sql, parameters } = activityStatement(company.companyId as CompanyId, query, 51);
      const explain = t.engine === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
      const text = t.engine === 'sqlite' ? sql.replace(/\$\d+/g, '?') : sql;
      const plan = (await t.dataSource.query(explain + text, parameters)) as Record<
        string,
        unknown
      >[];
      expect(plan.map((row) => String(row.detail ?? row['QUERY PLAN'])).join('\n')).toContain(
        'IX_provisioning_events_activity',
      );
    }
  });
  it('records a request whose text PostgreSQL cannot store as is, and the rest of its batch', async () => {
    // A lone UTF-16 surrogate is legal in a JSON body (RFC 8259 §8.2 leaves it to the
    // receiver) and reached the log as the request's subject; PostgreSQL refused it inside the
    // batch's JSON parameter, and a refused batch was every company's entries of that quarter
    // second. Bodies are now made well formed when parsed and the log stores only well-formed
    // text (a NUL is refused with the body, before the log: body-parsing.ts).
    const odd = await scimCompany(t);
    const client = scimClient(t, odd.scimToken);
    const strange = await client.post('/Users', {
      schemas: [USER_SCHEMA],
      userName: 'x\ud800y@acme.example',
    });
    expect(strange.status).toBe(201);
    await client
      .post('/Users', { schemas: [USER_SCHEMA], userName: 'plain@acme.example' })
      .expect(201);
    await t.app.get(ProvisioningLogService).flush();
    const response = await activity('', odd.admin, odd.companyId);
    expect(response.status).toBe(200);
    expect((response.body as Page).items.map((item) => item.subject)).toEqual([
      'plain@acme.example',
      'x\ufffdy@acme.example',
    ]);
  });
});
