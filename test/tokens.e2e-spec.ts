import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateToken } from '../libs/tokens/src/token-secret';
import { newCompanyId, SAML_CONNECTION, scimCompany } from './factories/company.factory';
import { adminJwt, createTestApp, TestApp } from './support/test-app';

describe('provisioning tokens', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const tokens = (companyId: string) => `/api/companies/${companyId}/scim/tokens`;
  const spc = '/api/scim/v2/ServiceProviderConfig';

  it('refuses to create a token while SSO is not configured or SCIM is off, saying what to turn on', async () => {
    const companyId = newCompanyId();
    const admin = await adminJwt(t.config, [{ id: companyId }]);
    let response = await t.http
      .post(tokens(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .send({ label: 'Okta' })
      .expect(409);
    expect(response.body.message).toMatch(/SSO is not configured/);
    await t.http
      .put(`/api/companies/${companyId}/sso`)
      .set('Authorization', `Bearer ${admin}`)
      .send(SAML_CONNECTION)
      .expect(200);
    response = await t.http
      .post(tokens(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .send({ label: 'Okta' })
      .expect(409);
    expect(response.body.message).toMatch(/SCIM is turned off.*scimEnabled/);
    const list = await t.http
      .get(tokens(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(list.body).toEqual([]);
  });

  it('creates a labelled token whose secret is shown once, with the endpoint URL', async () => {
    const { companyId, admin } = await scimCompany(t);
    const response = await t.http
      .post(tokens(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .send({ label: '  Entra production  ' })
      .expect(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      label: 'Entra production',
      prefix: response.body.token.slice(0, 12),
      status: 'active',
      createdAt: expect.any(String),
      expiresAt: null,
      token: expect.stringMatching(/^scimp_[0-9A-Za-z]{49}$/),
      endpointUrl: 'https://scim.test/api/scim/v2',
    });

    const list = await t.http
      .get(tokens(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(list.body).toHaveLength(2);
    expect(list.body[0]).toEqual({
      id: response.body.id,
      label: 'Entra production',
      prefix: response.body.prefix,
      status: 'active',
      createdAt: response.body.createdAt,
      createdBy: `owner-of-${companyId}`,
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
      revokedBy: null,
    });
    const listed = JSON.stringify(list.body);
    expect(listed).not.toContain(response.body.token);
    expect(listed).not.toContain(response.body.token.slice(12));
  });

  it('validates the label and expiry, naming the field', async () => {
    const { companyId, admin } = await scimCompany(t);
    const bad: [unknown, RegExp][] = [
      [{}, /label must be/],
      [{ label: '   ' }, /label must be 1 to 100 characters/],
      [{ label: 'x'.repeat(101) }, /label must be 1 to 100 characters/],
      [{ label: 42 }, /label must be/],
      [{ label: 'ok', expiresAt: 'tomorrow' }, /expiresAt must be an ISO 8601/],
      [{ label: 'ok', expiresAt: '2001-01-01T00:00:00Z' }, /expiresAt must be in the future/],
      [{ label: 'ok', token: 'chosen' }, /property token should not exist/],
    ];
    for (const [body, message] of bad) {
      const response = await t.http
        .post(tokens(companyId))
        .set('Authorization', `Bearer ${admin}`)
        .send(body as object)
        .expect(400);
      expect([response.body.message].flat().join(' ')).toMatch(message);
    }
    const list = await t.http
      .get(tokens(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(list.body).toHaveLength(1);
    await t.http
      .post(tokens(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .send({ label: 'x'.repeat(100) })
      .expect(201);
  });

  it('revokes a token at once: the very next SCIM request is refused', async () => {
    const { companyId, admin, scimToken, tokenId } = await scimCompany(t);
    await t.http.get(spc).set('Authorization', `Bearer ${scimToken}`).expect(200);
    const revoked = await t.http
      .post(`${tokens(companyId)}/${tokenId}/revoke`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(revoked.body).toMatchObject({
      id: tokenId,
      status: 'revoked',
      revokedBy: `owner-of-${companyId}`,
    });
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    const refused = await t.http.get(spc).set('Authorization', `Bearer ${scimToken}`).expect(401);
    expect(refused.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '401',
      detail: 'The bearer token has been revoked',
    });
    // Revoking again is harmless and keeps the first revocation's time.
    const again = await t.http
      .post(`${tokens(companyId)}/${tokenId}/revoke`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    await t.http
      .post(`${tokens(companyId)}/not-a-uuid/revoke`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(404);
    await t.http
      .post(`${tokens(companyId)}/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/revoke`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(404);
  });

  // On PostgreSQL a read checks its token in the read's own statement (TokenCheckedInRead,
  // issue 16): every answer the guard gave must come out of that statement the same.
  it('checks the token as strictly on a read that checks it in its own statement', async () => {
    const { companyId, admin, scimToken, tokenId } = await scimCompany(t);
    const other = await scimCompany(t);
    const user = (
      await t.http
        .post('/api/scim/v2/Users')
        .set('Authorization', `Bearer ${scimToken}`)
        .send({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'read@acme.example',
        })
        .expect(201)
    ).body;
    const read = (token: string, id = user.id) =>
      t.http.get(`/api/scim/v2/Users/${id}`).set('Authorization', `Bearer ${token}`);
    const refused = (status: number, detail: string) => ({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: String(status),
      detail,
    });
    expect((await read(scimToken).expect(200)).body).toMatchObject({ id: user.id });
    // A list carries the check in its page's read, and keeps the page's order.
    for (const name of ['b', 'c', 'a']) {
      await t.http
        .post('/api/scim/v2/Users')
        .set('Authorization', `Bearer ${scimToken}`)
        .send({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: `${name}@acme.example`,
        })
        .expect(201);
    }
    const list = (token: string, query: string) =>
      t.http.get(`/api/scim/v2/Users?${query}`).set('Authorization', `Bearer ${token}`);
    const sorted = await list(scimToken, 'sortBy=userName&sortOrder=descending&count=3').expect(
      200,
    );
    expect(sorted.body.Resources.map((u: { userName: string }) => u.userName)).toEqual([
      'read@acme.example',
      'c@acme.example',
      'b@acme.example',
    ]);
    expect(sorted.body.totalResults).toBe(4);
    const lookup = await list(scimToken, 'filter=userName%20eq%20%22a@acme.example%22').expect(200);
    expect(lookup.body).toMatchObject({
      totalResults: 1,
      Resources: [{ userName: 'a@acme.example' }],
    });
    await list(scimToken, 'filter=userName%20like%20%22a%22').expect(400);
    await list(other.scimToken, 'filter=userName%20eq%20%22a@acme.example%22')
      .expect(200)
      .expect((response) => expect(response.body.totalResults).toBe(0));
    await read(scimToken, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b').expect(404);
    // Another company's token reads its own company only: the first request admits it the
    // guard's way, the next ones check it in the read.
    await read(other.scimToken).expect(404);
    await read(other.scimToken).expect(404);
    const malformed = await read('abc').expect(401);
    expect(malformed.headers['www-authenticate']).toBe('Bearer realm="SCIM"');
    await t.http.get(`/api/scim/v2/Users/${user.id}`).expect(401);
    // SCIM turned off, then SSO gone: 403, a missing user or not.
    const off = () =>
      t.http
        .put(`/api/companies/${companyId}/sso`)
        .set('Authorization', `Bearer ${admin}`)
        .send({ scimEnabled: false })
        .expect(200);
    await off();
    expect((await read(scimToken).expect(403)).body).toEqual(
      refused(403, 'SCIM provisioning is turned off for this company'),
    );
    await read(scimToken, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b').expect(403);
    await list(scimToken, 'filter=userName%20eq%20%22a@acme.example%22').expect(403);
    await t.http
      .put(`/api/companies/${companyId}/sso`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ scimEnabled: true })
      .expect(200);
    await read(scimToken).expect(200);
    // Revoked: refused at once, with the scheme to use, whether the user exists or not.
    await t.http
      .post(`${tokens(companyId)}/${tokenId}/revoke`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    const revoked = await read(scimToken).expect(401);
    expect(revoked.body).toEqual(refused(401, 'The bearer token has been revoked'));
    expect(revoked.headers['www-authenticate']).toBe('Bearer realm="SCIM"');
    await read(scimToken, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b').expect(401);
    await list(scimToken, 'filter=userName%20eq%20%22a@acme.example%22').expect(401);
    await t.http.get('/api/scim/v2/Groups').set('Authorization', `Bearer ${scimToken}`).expect(401);
    // The token is refused before the request's own faults are looked at, as the guard does.
    await list(scimToken, 'filter=userName%20like%20%22a%22').expect(401);
    await list(scimToken, 'count=-1&sortBy=nope').expect(401);
    // A well-formed token that was never issued.
    expect((await read(generateToken().token).expect(401)).body).toEqual(
      refused(401, 'The bearer token is not valid'),
    );
    // The read records the token's use, as the guard does (at most once a minute).
    await t.query(`UPDATE "scim_tokens" SET "lastUsedAt" = $1 WHERE "id" = $2`, [
      Date.now() - 3_600_000,
      other.tokenId,
    ]);
    await read(other.scimToken).expect(404);
    const [used] = await t.query<{ lastUsedAt: string | number }>(
      `SELECT "lastUsedAt" FROM "scim_tokens" WHERE "id" = $1`,
      [other.tokenId],
    );
    expect(Number(used.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
    // The platform removed the SSO connection.
    await t.query(`DELETE FROM "sso_connections" WHERE "companyId" = $1`, [other.companyId]);
    expect((await read(other.scimToken).expect(403)).body.detail).toMatch(/SSO is not configured/);
  });

  // The same for a change, whose first read carries the check: a refused token changes
  // nothing, and is refused before a fault of the request's own.
  it('checks the token in a change first read, and commits nothing for a bad one', async () => {
    const { companyId, admin, scimToken, tokenId } = await scimCompany(t);
    const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
    const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
    const scim = (token: string) => ({
      post: (body: object) =>
        t.http.post('/api/scim/v2/Users').set('Authorization', `Bearer ${token}`).send(body),
      patch: (id: string, body: object) =>
        t.http.patch(`/api/scim/v2/Users/${id}`).set('Authorization', `Bearer ${token}`).send(body),
      put: (id: string, body: object) =>
        t.http.put(`/api/scim/v2/Users/${id}`).set('Authorization', `Bearer ${token}`).send(body),
      delete: (id: string) =>
        t.http.delete(`/api/scim/v2/Users/${id}`).set('Authorization', `Bearer ${token}`),
      postGroup: (body: object) =>
        t.http
          .post('/api/scim/v2/Groups')
          .set('Authorization', `Bearer ${token}`)
          .send({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], ...body }),
    });
    const client = scim(scimToken);
    const user = (await client.post({ schemas: [USER], userName: 'w@acme.example' }).expect(201))
      .body;
    const deactivate = {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    };
    await client.patch(user.id, deactivate).expect(200);
    await client
      .patch(user.id, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'active', value: true }],
      })
      .expect(200);
    const group = (
      await client.postGroup({ displayName: 'Kept', members: [{ value: user.id }] }).expect(201)
    ).body;
    const state = async () => ({
      groups: await t.query(`SELECT "id", "version" FROM "scim_groups" WHERE "companyId" = $1`, [
        companyId,
      ]),
      users: (
        await t.query<{ id: string; active: boolean | number; version: number | string }>(
          `SELECT "id", "active", "version" FROM "scim_users" WHERE "companyId" = $1 ORDER BY "id"`,
          [companyId],
        )
      ).map((row) => ({ ...row, active: Boolean(row.active), version: Number(row.version) })),
      events: Number(
        (
          await t.query<{ n: number | string }>(
            `SELECT COUNT(*) AS "n" FROM "events" WHERE "companyId" = $1`,
            [companyId],
          )
        )[0].n,
      ),
    });
    const refuseAll = async (status: number) => {
      const before = await state();
      await client.post({ schemas: [USER], userName: 'x@acme.example' }).expect(status);
      await client.patch(user.id, deactivate).expect(status);
      await client
        .put(user.id, { schemas: [USER], userName: 'w@acme.example', active: false })
        .expect(status);
      await client.delete(user.id).expect(status);
      for (const members of [[{ value: user.id }], []]) {
        await client.postGroup({ displayName: 'New', members }).expect(status);
      }
      // The name another group has (a 409 of its own) and no name at all (a 400).
      for (const displayName of ['Kept', undefined]) {
        await client.postGroup({ displayName }).expect(status);
      }
      await t.http
        .get(`/api/scim/v2/Groups/${group.id}`)
        .set('Authorization', `Bearer ${scimToken}`)
        .expect(status);
      await t.http
        .patch(`/api/scim/v2/Groups/${group.id}`)
        .set('Authorization', `Bearer ${scimToken}`)
        .send({ schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] })
        .expect(status);
      await t.http
        .put(`/api/scim/v2/Groups/${group.id}`)
        .set('Authorization', `Bearer ${scimToken}`)
        .send({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Gone' })
        .expect(status);
      await t.http
        .delete(`/api/scim/v2/Groups/${group.id}`)
        .set('Authorization', `Bearer ${scimToken}`)
        .expect(status);
      await client.delete('not-a-uuid').expect(status);
      // A body the service would refuse with a 400: the token's answer comes first.
      await client.post({ schemas: [USER] }).expect(status);
      await client
        .patch(user.id, { schemas: [PATCH_OP], Operations: [{ op: 'nope' }] })
        .expect(status);
      expect(await state()).toEqual(before);
    };
    await t.http
      .put(`/api/companies/${companyId}/sso`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ scimEnabled: false })
      .expect(200);
    await refuseAll(403);
    await t.http
      .put(`/api/companies/${companyId}/sso`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ scimEnabled: true })
      .expect(200);
    await client.post({ schemas: [USER] }).expect(400);
    await t.http
      .post(`${tokens(companyId)}/${tokenId}/revoke`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    await refuseAll(401);
  });

  it('writes lastUsedAt on use, at most about once a minute', async () => {
    const { companyId, admin, scimToken, tokenId } = await scimCompany(t);
    await t.http.get(spc).set('Authorization', `Bearer ${scimToken}`).expect(200);
    const first = (
      await t.http.get(tokens(companyId)).set('Authorization', `Bearer ${admin}`)
    ).body.find((row: { id: string }) => row.id === tokenId);
    expect(first.lastUsedAt).toEqual(expect.any(String));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await t.http.get(spc).set('Authorization', `Bearer ${scimToken}`).expect(200);
    const second = (
      await t.http.get(tokens(companyId)).set('Authorization', `Bearer ${admin}`)
    ).body.find((row: { id: string }) => row.id === tokenId);
    expect(second.lastUsedAt).toBe(first.lastUsedAt);
    // An hour-old lastUsedAt is refreshed by the next request.
    await t.query(`UPDATE "scim_tokens" SET "lastUsedAt" = $1 WHERE "id" = $2`, [
      Date.now() - 3_600_000,
      tokenId,
    ]);
    await t.http.get(spc).set('Authorization', `Bearer ${scimToken}`).expect(200);
    const third = (
      await t.http.get(tokens(companyId)).set('Authorization', `Bearer ${admin}`)
    ).body.find((row: { id: string }) => row.id === tokenId);
    expect(Date.parse(third.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('refuses an expired token', async () => {
    const { companyId, admin } = await scimCompany(t);
    const created = await t.http
      .post(tokens(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .send({ label: 'short-lived', expiresAt: new Date(Date.now() + 60_000).toISOString() })
      .expect(201);
    await t.http.get(spc).set('Authorization', `Bearer ${created.body.token}`).expect(200);
    await t.query(`UPDATE "scim_tokens" SET "expiresAt" = $1 WHERE "id" = $2`, [
      Date.now() - 1000,
      created.body.id,
    ]);
    const refused = await t.http
      .get(spc)
      .set('Authorization', `Bearer ${created.body.token}`)
      .expect(401);
    expect(refused.body.detail).toBe('The bearer token has been expired');
    const list = await t.http
      .get(tokens(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(list.body.find((row: { id: string }) => row.id === created.body.id).status).toBe(
      'expired',
    );
  });

  it('deletes the SCIM configuration: every token revoked and SCIM turned off', async () => {
    const { companyId, admin, scimToken } = await scimCompany(t);
    const second = await t.http
      .post(tokens(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .send({ label: 'Second' })
      .expect(201);
    const response = await t.http
      .delete(`/api/companies/${companyId}/scim`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(response.body).toEqual({ scimEnabled: false, revokedTokens: 2 });
    const list = await t.http
      .get(tokens(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(list.body.map((row: { status: string }) => row.status)).toEqual(['revoked', 'revoked']);
    const sso = await t.http
      .get(`/api/companies/${companyId}/sso`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(sso.body).toMatchObject({ configured: true, scimEnabled: false });
    await t.http.get(spc).set('Authorization', `Bearer ${scimToken}`).expect(401);
    await t.http.get(spc).set('Authorization', `Bearer ${second.body.token}`).expect(401);
  });

  it("keeps companies apart: B's admin cannot list or revoke A's tokens, and A's token never reaches B", async () => {
    const a = await scimCompany(t, 'A Okta');
    const b = await scimCompany(t, 'B Okta');
    await t.http.get(tokens(a.companyId)).set('Authorization', `Bearer ${b.admin}`).expect(404);
    await t.http
      .post(`${tokens(a.companyId)}/${a.tokenId}/revoke`)
      .set('Authorization', `Bearer ${b.admin}`)
      .expect(404);
    // Through B's own company path, A's token id is simply not found.
    await t.http
      .post(`${tokens(b.companyId)}/${a.tokenId}/revoke`)
      .set('Authorization', `Bearer ${b.admin}`)
      .expect(404);
    await t.http
      .delete(`/api/companies/${a.companyId}/scim`)
      .set('Authorization', `Bearer ${b.admin}`)
      .expect(404);
    await t.http
      .post(tokens(a.companyId))
      .set('Authorization', `Bearer ${b.admin}`)
      .send({ label: 'x' })
      .expect(404);
    const listB = await t.http
      .get(tokens(b.companyId))
      .set('Authorization', `Bearer ${b.admin}`)
      .expect(200);
    expect(listB.body.map((row: { id: string }) => row.id)).toEqual([b.tokenId]);
    const listA = await t.http
      .get(tokens(a.companyId))
      .set('Authorization', `Bearer ${a.admin}`)
      .expect(200);
    expect(listA.body).toEqual([expect.objectContaining({ id: a.tokenId, status: 'active' })]);
    // Turning SCIM off for B does not touch A's token.
    await t.http
      .delete(`/api/companies/${b.companyId}/scim`)
      .set('Authorization', `Bearer ${b.admin}`)
      .expect(200);
    await t.http.get(spc).set('Authorization', `Bearer ${a.scimToken}`).expect(200);
  });

  it('keeps the plaintext token out of list answers, logs and the database file', async () => {
    const { companyId, admin, scimToken } = await scimCompany(t);
    await t.http.get(spc).set('Authorization', `Bearer ${scimToken}`).expect(200);
    await t.http.get('/api/scim/v2/Nope').set('Authorization', `Bearer ${scimToken}`).expect(404);
    const list = await t.http
      .get(tokens(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(JSON.stringify(list.body)).not.toContain(scimToken);
    expect(t.logger.lines.join('\n')).not.toContain(scimToken);
    const rows = await t.query(`SELECT * FROM "scim_tokens" WHERE "companyId" = $1`, [companyId]);
    expect(JSON.stringify(rows)).not.toContain(scimToken);
    expect(rows[0].secretHash).toMatch(/^[0-9a-f]{64}$/);
    if (t.engine === 'sqlite') {
      for (const file of readdirSync(t.dataDir).filter((name) => name.startsWith('scim.sqlite'))) {
        expect(readFileSync(join(t.dataDir, file)).includes(Buffer.from(scimToken))).toBe(false);
      }
    }
  });
});
