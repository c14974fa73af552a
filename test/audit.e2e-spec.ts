import { SAML_CONNECTION, newCompanyId } from './factories/company.factory';
import { adminJwt, createTestApp, TestApp } from './support/test-app';

interface AuditItem {
  id: string;
  action: string;
  actor: { id: string; email: string | null };
  targetId: string | null;
  details: Record<string, unknown>;
  requestId: string | null;
  at: string;
}

describe('audit log of admin actions', () => {
  let t: TestApp;
  let companyId: string;
  let admin: string;

  beforeAll(async () => {
    t = await createTestApp();
    companyId = newCompanyId();
    admin = await adminJwt(t.config, [{ id: companyId, role: 'owner' }], { sub: 'auditor-1' });
  });
  afterAll(() => t.close());

  const api = (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, token = admin) =>
    t.http[method](`/api/companies/${companyId}${path}`).set('Authorization', `Bearer ${token}`);
  const events = async (query = '') =>
    (await api('get', `/audit-events${query}`).expect(200)).body as {
      items: AuditItem[];
      nextBefore: string | null;
    };

  it('records every admin action with actor, target, details and request id, newest first', async () => {
    await api('put', '/sso')
      .send({ ...SAML_CONNECTION, scimEnabled: true })
      .expect(200);
    const created = await api('post', '/scim/tokens').send({ label: 'Okta' }).expect(201);
    await api('post', `/scim/tokens/${created.body.id}/revoke`).expect(200);
    await api('put', '/scim/access').send({ defaultRole: 'member' }).expect(200);
    const mapping = await api('post', '/scim/group-mappings')
      .send({ displayName: 'Admins', role: 'admin' })
      .expect(201);
    await api('delete', `/scim/group-mappings/${mapping.body.id}`).expect(204);
    const member = await api('post', '/members')
      .send({ email: 'someone@example.com', role: 'member', source: 'manual' })
      .expect(201);
    await api('patch', `/members/${member.body.id}`).send({ role: 'admin' }).expect(200);
    await api('put', '/scim/reconciliation-settings').send({ autoRepair: false }).expect(200);
    const run = await api('post', '/scim/reconcile')
      .set('X-Request-Id', 'req-audit-0001')
      .expect(200);
    await api('delete', '/scim').expect(200);

    const { items } = await events();
    expect(items.map((item) => item.action)).toEqual([
      'scim_configuration.deleted',
      'reconciliation.started',
      'reconciliation_settings.updated',
      'member.updated',
      'member.added',
      'group_mapping.deleted',
      'group_mapping.created',
      'access_policy.updated',
      'scim_token.revoked',
      'scim_token.created',
      'sso.configured',
    ]);
    for (const item of items) {
      expect(item.actor).toEqual({ id: 'auditor-1', email: 'admin@example.com' });
      expect(new Date(item.at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    }
    const byAction = (action: string) => items.find((item) => item.action === action)!;
    expect(byAction('scim_token.created')).toMatchObject({
      targetId: created.body.id,
      details: { label: 'Okta', prefix: created.body.prefix },
    });
    expect(byAction('scim_token.revoked').targetId).toBe(created.body.id);
    expect(byAction('sso.configured').details).toMatchObject({
      protocol: 'saml',
      scimEnabled: true,
    });
    expect(byAction('group_mapping.created')).toMatchObject({
      targetId: mapping.body.id,
      details: { displayName: 'Admins', role: 'admin' },
    });
    expect(byAction('member.updated')).toMatchObject({
      targetId: member.body.id,
      details: { role: 'admin' },
    });
    expect(byAction('reconciliation.started')).toMatchObject({
      targetId: run.body.id,
      requestId: 'req-audit-0001',
    });
    expect(byAction('scim_configuration.deleted').details).toMatchObject({
      scimEnabled: false,
      revokedTokens: 0,
    });
    // The secret shown once is nowhere in the log.
    expect(JSON.stringify(items)).not.toContain(created.body.token);
    const rows = await t.query<{ details: string | null }>(
      'SELECT details FROM audit_events WHERE "companyId" = $1',
      [companyId],
    );
    expect(JSON.stringify(rows)).not.toContain(created.body.token);
  });

  it('records nothing for a refused action', async () => {
    const before = (await events()).items.length;
    await api('post', '/scim/tokens').send({ label: '' }).expect(400);
    await api('post', '/scim/tokens/00000000-0000-0000-0000-000000000000/revoke').expect(404);
    await api('put', '/scim/access').send({ defaultRole: 'emperor' }).expect(400);
    expect((await events()).items).toHaveLength(before);
  });

  it('pages newest first with nextBefore and filters by action', async () => {
    for (let i = 0; i < 5; i++) {
      await api('put', '/scim/reconciliation-settings')
        .send({ autoRepair: i % 2 === 0 })
        .expect(200);
    }
    const first = await events('?limit=3&action=reconciliation_settings.updated');
    expect(first.items).toHaveLength(3);
    expect(first.items.every((item) => item.action === 'reconciliation_settings.updated')).toBe(
      true,
    );
    const second = await events(
      `?limit=3&action=reconciliation_settings.updated&before=${first.nextBefore}`,
    );
    expect(second.items).toHaveLength(3); // 5 new + 1 from the first test
    expect(second.nextBefore).toBeNull();
    const ids = [...first.items, ...second.items].map((item) => item.id);
    expect(new Set(ids).size).toBe(6);
    expect([...ids].sort().reverse()).toEqual(ids);
  });

  it('refuses bad paging with a 400 naming the field', async () => {
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?limit=abc', 'limit'],
      ['?before=nope', 'before'],
      ['?action=DROP TABLE', 'action'],
      ['?secret=1', 'secret'],
    ]) {
      const response = await api('get', `/audit-events${query}`).expect(400);
      expect(JSON.stringify(response.body.message)).toContain(field);
    }
  });

  it('shows a company its own log only; a member of it may not read it', async () => {
    const other = newCompanyId();
    const otherAdmin = await adminJwt(t.config, [{ id: other, role: 'owner' }], {
      sub: 'other-admin',
    });
    await t.http
      .put(`/api/companies/${other}/sso`)
      .set('Authorization', `Bearer ${otherAdmin}`)
      .send(SAML_CONNECTION)
      .expect(200);
    const theirs = await t.http
      .get(`/api/companies/${other}/audit-events`)
      .set('Authorization', `Bearer ${otherAdmin}`)
      .expect(200);
    expect(theirs.body.items.map((item: AuditItem) => item.actor.id)).toEqual(['other-admin']);
    expect((await events()).items.every((item) => item.actor.id === 'auditor-1')).toBe(true);
    // Another company's admin is told nothing about this one (the guard's 404).
    await api('get', '/audit-events', otherAdmin).expect(404);
    const plainMember = await adminJwt(t.config, [{ id: companyId, role: 'member' }]);
    await api('get', '/audit-events', plainMember).expect(403);
  });
});
