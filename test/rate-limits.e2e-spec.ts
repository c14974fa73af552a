import { scimCompany } from './factories/company.factory';
import { oktaUser } from './factories/user.factory';
import { ERROR_SCHEMA, scimClient } from './support/scim-client';
import { createTestApp, TestApp } from './support/test-app';

describe('rate limits per credential', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ SCIM_RATE_LIMIT: '5', ADMIN_RATE_LIMIT: '4' });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After and a SCIM error body past the limit, and one company at its limit never slows another', async () => {
    const a = await scimCompany(t);
    const b = await scimCompany(t);
    const scimA = scimClient(t, a.scimToken);
    for (let i = 0; i < 5; i++) await scimA.get('/Users').expect(200);
    const limited = await scimA.get('/Users').expect(429);
    expect(limited.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '429',
      detail: expect.stringMatching(/Retry-After/),
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await scimClient(t, b.scimToken).get('/Users').expect(200);
  });

  it('counts one budget per token across routes, and a Bulk request as one request per operation', async () => {
    const a = await scimCompany(t);
    const scimA = scimClient(t, a.scimToken);
    // Five requests on five different routes use up the one budget of 5.
    await scimA.get('/Users').expect(200);
    await scimA.get('/Groups').expect(200);
    await scimA.get('/ServiceProviderConfig').expect(200);
    await scimA.post('/Users/.search', {}).expect(200);
    await scimA.post('/Users', oktaUser()).expect(201);
    await scimA.get('/Schemas').expect(429);

    const b = await scimCompany(t);
    const scimB = scimClient(t, b.scimToken);
    const bulk = (n: number) => ({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: Array.from({ length: n }, (_, i) => ({
        method: 'POST',
        path: '/Users',
        bulkId: `u${i}`,
        data: oktaUser(),
      })),
    });
    await scimB.post('/Bulk', bulk(3)).expect(200); // 3 of 5
    const refused = await scimB.post('/Bulk', bulk(3)).expect(429); // 6 of 5: nothing runs
    expect(refused.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '429' });
    expect(refused.body.detail).toContain('counts as 3 requests');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const users = await t.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM scim_users WHERE "companyId" = $1',
      [b.companyId],
    );
    expect(Number(users[0].n)).toBe(3);
  });

  it('limits each admin token on the admin API too', async () => {
    const c = await scimCompany(t);
    let last = 0;
    for (let i = 0; i < 6; i++) {
      last = (
        await t.http
          .get(`/api/companies/${c.companyId}/scim/tokens`)
          .set('Authorization', `Bearer ${c.admin}`)
      ).status;
    }
    expect(last).toBe(429);
  });

  it('sends security headers', async () => {
    const response = await t.http.get('/healthz').expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBeDefined();
  });
});
