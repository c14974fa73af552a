import { SignJWT } from 'jose';
import { newCompanyId } from './factories/company.factory';
import { adminJwt, createTestApp, TestApp } from './support/test-app';

describe('admin API authentication and company scope', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const companyA = newCompanyId('a');
  const companyB = newCompanyId('b');

  it('refuses a missing, malformed, badly signed or expired JWT with 401', async () => {
    const path = `/api/companies/${companyA}/sso`;
    await t.http.get(path).expect(401);
    await t.http.get(path).set('Authorization', 'Bearer not-a-jwt').expect(401);
    await t.http.get(path).set('Authorization', 'Basic dXNlcjpwYXNz').expect(401);
    const forged = await adminJwt(t.config, [{ id: companyA }], { secret: 'x'.repeat(40) });
    await t.http.get(path).set('Authorization', `Bearer ${forged}`).expect(401);
    const expired = await adminJwt(t.config, [{ id: companyA }], { ttlSeconds: -10 });
    const response = await t.http.get(path).set('Authorization', `Bearer ${expired}`).expect(401);
    expect(response.body.message).toMatch(/expired/);
  });

  it('refuses a JWT signed with alg none or without the companies claim', async () => {
    const path = `/api/companies/${companyA}/sso`;
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(
      JSON.stringify({
        sub: 'x',
        exp: Math.floor(Date.now() / 1000) + 60,
        companies: [{ id: companyA, role: 'owner' }],
      }),
    ).toString('base64url');
    await t.http.get(path).set('Authorization', `Bearer ${header}.${body}.`).expect(401);
    const noCompanies = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(t.config.adminJwtSecret));
    await t.http.get(path).set('Authorization', `Bearer ${noCompanies}`).expect(401);
  });

  it('answers 404 for a company that is not in the claims, and for a malformed id', async () => {
    const jwt = await adminJwt(t.config, [{ id: companyA, role: 'owner' }]);
    await t.http
      .get(`/api/companies/${companyB}/sso`)
      .set('Authorization', `Bearer ${jwt}`)
      .expect(404);
    await t.http
      .get(`/api/companies/${companyB}/scim/tokens`)
      .set('Authorization', `Bearer ${jwt}`)
      .expect(404);
    await t.http
      .get('/api/companies/%20bad%20/sso')
      .set('Authorization', `Bearer ${jwt}`)
      .expect(404);
  });

  it('answers 403 when the role in the company is too low', async () => {
    const jwt = await adminJwt(t.config, [{ id: companyA, role: 'member' }]);
    const response = await t.http
      .get(`/api/companies/${companyA}/sso`)
      .set('Authorization', `Bearer ${jwt}`)
      .expect(403);
    expect(response.body.message).toMatch(/owner or admin/);
    await t.http
      .post(`/api/companies/${companyA}/scim/tokens`)
      .set('Authorization', `Bearer ${jwt}`)
      .send({ label: 'x' })
      .expect(403);
  });

  it('GET /api/companies lists the companies this admin may manage', async () => {
    const jwt = await adminJwt(t.config, [
      { id: companyA, name: 'Acme', role: 'owner' },
      { id: companyB, name: 'Beta', role: 'member' },
    ]);
    const response = await t.http
      .get('/api/companies')
      .set('Authorization', `Bearer ${jwt}`)
      .expect(200);
    expect(response.body).toEqual([{ id: companyA, name: 'Acme', role: 'owner' }]);
    await t.http.get('/api/companies').expect(401);
  });

  it('registers a company named in a valid JWT on its first use', async () => {
    const companyC = newCompanyId('c');
    const jwt = await adminJwt(t.config, [{ id: companyC, name: 'Gamma Inc', role: 'admin' }]);
    await t.http
      .get(`/api/companies/${companyC}/sso`)
      .set('Authorization', `Bearer ${jwt}`)
      .expect(200);
    const rows = await t.query(`SELECT "name" FROM "companies" WHERE "id" = $1`, [companyC]);
    expect(rows).toEqual([{ name: 'Gamma Inc' }]);
  });
});

describe('admin JWTs signed with RS256 from ADMIN_JWKS_URL', () => {
  it('accepts a JWT signed by a key of the set, and refuses one signed by another key', async () => {
    const { generateKeyPair, exportJWK, SignJWT } = await import('jose');
    const { createServer } = await import('node:http');
    const trusted = await generateKeyPair('RS256');
    const stranger = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(trusted.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const server = createServer((_, response) => {
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const t = await createTestApp({ ADMIN_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` });
    try {
      const companyId = newCompanyId();
      const sign = (key: Parameters<InstanceType<typeof SignJWT>['sign']>[0], kid: string) =>
        new SignJWT({ companies: [{ id: companyId, name: 'RS', role: 'owner' }] })
          .setProtectedHeader({ alg: 'RS256', kid })
          .setSubject('rs-admin')
          .setExpirationTime('5m')
          .sign(key);
      await t.http
        .get(`/api/companies/${companyId}/sso`)
        .set('Authorization', `Bearer ${await sign(trusted.privateKey, 'k1')}`)
        .expect(200);
      await t.http
        .get(`/api/companies/${companyId}/sso`)
        .set('Authorization', `Bearer ${await sign(stranger.privateKey, 'k1')}`)
        .expect(401);
      // HS256 with the configured secret still works beside the key set.
      const hs = await adminJwt(t.config, [{ id: companyId, role: 'owner' }]);
      await t.http
        .get(`/api/companies/${companyId}/sso`)
        .set('Authorization', `Bearer ${hs}`)
        .expect(200);
    } finally {
      await t.close();
      server.close();
    }
  });
});
