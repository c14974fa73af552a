import { generateToken } from '../libs/tokens/src/token-secret';
import { scimCompany } from './factories/company.factory';
import { createTestApp, TestApp } from './support/test-app';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('SCIM authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const spc = '/api/scim/v2/ServiceProviderConfig';

  it('answers 401 with an RFC 7644 error body for malformed, mistyped and unknown tokens', async () => {
    const { scimToken } = await scimCompany(t);
    const typo = scimToken.slice(0, 20) + (scimToken[20] === 'A' ? 'B' : 'A') + scimToken.slice(21);
    const cases: [string, string][] = [
      ['Bearer', 'Authorization: Bearer <provisioning token> is required'],
      ['Bearer abc', 'The bearer token is not a provisioning token'],
      [
        `Basic ${Buffer.from('u:p').toString('base64')}`,
        'Authorization: Bearer <provisioning token> is required',
      ],
      [`Bearer ${typo}`, 'The bearer token is not a provisioning token'],
      [`Bearer ${generateToken().token}`, 'The bearer token is not valid'],
    ];
    for (const [authorization, detail] of cases) {
      const response = await t.http.get(spc).set('Authorization', authorization).expect(401);
      expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="SCIM"');
      expect(response.body).toEqual({ schemas: [ERROR_SCHEMA], status: '401', detail });
    }
  });

  it('answers 403 when the company turned SCIM off or has no SSO connection', async () => {
    const { companyId, admin, scimToken } = await scimCompany(t);
    await t.http
      .put(`/api/companies/${companyId}/sso`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ scimEnabled: false })
      .expect(200);
    let response = await t.http.get(spc).set('Authorization', `Bearer ${scimToken}`).expect(403);
    expect(response.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '403',
      detail: 'SCIM provisioning is turned off for this company',
    });
    await t.http
      .put(`/api/companies/${companyId}/sso`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ scimEnabled: true })
      .expect(200);
    await t.http.get(spc).set('Authorization', `Bearer ${scimToken}`).expect(200);
    // The platform removed the SSO connection.
    await t.query(`DELETE FROM "sso_connections" WHERE "companyId" = $1`, [companyId]);
    response = await t.http.get(spc).set('Authorization', `Bearer ${scimToken}`).expect(403);
    expect(response.body.detail).toMatch(/SSO is not configured/);
  });

  it('serves ServiceProviderConfig truthfully, with the SCIM media type', async () => {
    const { scimToken } = await scimCompany(t);
    const response = await t.http.get(spc).set('Authorization', `Bearer ${scimToken}`).expect(200);
    expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(response.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken', primary: true })],
      meta: {
        resourceType: 'ServiceProviderConfig',
        location: 'https://scim.test/api/scim/v2/ServiceProviderConfig',
      },
    });
  });

  it('answers discovery without credentials (RFC 7643 §5 authenticationSchemes), but checks credentials that are sent', async () => {
    await t.http.get(spc).expect(200);
    await t.http.get(spc).set('Authorization', 'Bearer nope').expect(401);
  });

  it('answers unknown SCIM paths and malformed JSON with SCIM error bodies', async () => {
    const { scimToken } = await scimCompany(t);
    const missing = await t.http
      .get('/api/scim/v2/Widgets')
      .set('Authorization', `Bearer ${scimToken}`)
      .expect(404);
    expect(missing.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
    const malformed = await t.http
      .post('/api/scim/v2/Widgets')
      .set('Authorization', `Bearer ${scimToken}`)
      .set('Content-Type', 'application/scim+json')
      .send('{"userName": ')
      .expect(400);
    expect(malformed.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '400',
      scimType: 'invalidSyntax',
      detail: 'The request body is not valid JSON',
    });
    const wrongType = await t.http
      .post('/api/scim/v2/Widgets')
      .set('Authorization', `Bearer ${scimToken}`)
      .set('Content-Type', 'text/plain')
      .send('hello')
      .expect(415);
    expect(wrongType.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '415' });
    const tooLarge = await t.http
      .post('/api/scim/v2/Users')
      .set('Authorization', `Bearer ${scimToken}`)
      .set('Content-Type', 'application/scim+json')
      .send(JSON.stringify({ userName: 'x'.repeat(11 * 1024 * 1024) }))
      .expect(413);
    expect(tooLarge.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '413' });
    // U+0000 cannot be stored (PostgreSQL text) and is refused up front, in the URL or the body.
    const nulInUrl = await t.http
      .get('/api/scim/v2/Users?filter=userName%20eq%20%22a%00%22')
      .set('Authorization', `Bearer ${scimToken}`)
      .expect(400);
    expect(nulInUrl.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidValue' });
    const nulInBody = await t.http
      .post('/api/scim/v2/Users')
      .set('Authorization', `Bearer ${scimToken}`)
      .set('Content-Type', 'application/scim+json')
      .send('{"userName": "a\\u0000b@example.com"}')
      .expect(400);
    expect(nulInBody.body.detail).toMatch(/U\+0000/);
  });
});
