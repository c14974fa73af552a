import { newCompanyId, SAML_CONNECTION } from './factories/company.factory';
import { adminJwt, createTestApp, TestApp } from './support/test-app';

describe('SSO connection and the SCIM switch', () => {
  let t: TestApp;
  let companyId: string;
  let otherCompanyId: string;
  let admin: string;
  let otherAdmin: string;

  beforeAll(async () => {
    t = await createTestApp();
    companyId = newCompanyId();
    otherCompanyId = newCompanyId();
    admin = await adminJwt(t.config, [{ id: companyId, role: 'admin' }], { sub: 'alice' });
    otherAdmin = await adminJwt(t.config, [{ id: otherCompanyId, role: 'owner' }]);
  });
  afterAll(() => t.close());

  const sso = (id: string) => `/api/companies/${id}/sso`;

  it('shows an unconfigured connection with SCIM off', async () => {
    const response = await t.http
      .get(sso(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(response.body).toMatchObject({
      companyId,
      configured: false,
      protocol: null,
      scimEnabled: false,
    });
  });

  it('refuses to turn SCIM on before SSO is configured, with a message that says so', async () => {
    const response = await t.http
      .put(sso(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .send({ scimEnabled: true })
      .expect(409);
    expect(response.body.message).toMatch(/SSO is not configured/);
  });

  it('names the field of a bad body with 400 and changes nothing', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { protocol: 'saml', entityId: 'e', ssoUrl: 'http://insecure.example.com/sso' },
        /ssoUrl must be an https URL/,
      ],
      [{ protocol: 'saml', ssoUrl: 'https://idp.example.com/sso' }, /entityId is required/],
      [{ protocol: 'oidc', issuer: 'not a url', clientId: 'abc' }, /issuer must be an https URL/],
      [
        { protocol: 'entra', issuer: 'https://login.microsoftonline.com/t/v2.0' },
        /clientId is required/,
      ],
      [{ protocol: 'ldap' }, /protocol must be one of saml, oidc, entra/],
      [{ ...SAML_CONNECTION, scimEnabled: 'yes' }, /scimEnabled must be a boolean/],
      [{ ...SAML_CONNECTION, extra: 1 }, /property extra should not exist/],
    ];
    for (const [body, message] of cases) {
      const response = await t.http
        .put(sso(companyId))
        .set('Authorization', `Bearer ${admin}`)
        .send(body)
        .expect(400);
      expect(response.body.message.join(' ')).toMatch(message);
    }
    const after = await t.http
      .get(sso(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(after.body.configured).toBe(false);
  });

  it('records a SAML connection; scimEnabled defaults to false', async () => {
    const response = await t.http
      .put(sso(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .send(SAML_CONNECTION)
      .expect(200);
    expect(response.body).toMatchObject({
      configured: true,
      protocol: 'saml',
      entityId: SAML_CONNECTION.entityId,
      ssoUrl: SAML_CONNECTION.ssoUrl,
      issuer: null,
      scimEnabled: false,
      updatedBy: 'alice',
    });
  });

  it('turns SCIM on and off on the existing connection', async () => {
    await t.http
      .put(sso(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .send({ scimEnabled: true })
      .expect(200);
    let response = await t.http
      .get(sso(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(response.body.scimEnabled).toBe(true);
    await t.http
      .put(sso(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .send({ scimEnabled: false })
      .expect(200);
    response = await t.http.get(sso(companyId)).set('Authorization', `Bearer ${admin}`).expect(200);
    expect(response.body.scimEnabled).toBe(false);
  });

  it('switches to an OIDC (Entra) connection, clearing the SAML fields', async () => {
    const response = await t.http
      .put(sso(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .send({
        protocol: 'entra',
        issuer: 'https://login.microsoftonline.com/tenant/v2.0',
        clientId: 'client-1',
        scimEnabled: true,
      })
      .expect(200);
    expect(response.body).toMatchObject({
      protocol: 'entra',
      entityId: null,
      ssoUrl: null,
      clientId: 'client-1',
      scimEnabled: true,
    });
  });

  it("never shows or changes another company's connection", async () => {
    await t.http.get(sso(companyId)).set('Authorization', `Bearer ${otherAdmin}`).expect(404);
    await t.http
      .put(sso(companyId))
      .set('Authorization', `Bearer ${otherAdmin}`)
      .send({ scimEnabled: false })
      .expect(404);
    const other = await t.http
      .get(sso(otherCompanyId))
      .set('Authorization', `Bearer ${otherAdmin}`)
      .expect(200);
    expect(other.body.configured).toBe(false);
    const mine = await t.http
      .get(sso(companyId))
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(mine.body.scimEnabled).toBe(true);
  });
});
