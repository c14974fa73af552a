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

  it('keys on the credential, not the header text: spacing, letter case and junk share one budget', async () => {
    const a = await scimCompany(t);
    const variants = [
      `Bearer ${a.scimToken}`,
      `Bearer  ${a.scimToken}`,
      `bearer ${a.scimToken}`,
      `BEARER ${a.scimToken}   `,
    ];
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const response = await t.http
        .get('/api/scim/v2/Users')
        .set('Authorization', variants[i % variants.length]);
      statuses.push(response.status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);

    // An admin JWT with characters appended is not a fresh budget either.
    const c = await scimCompany(t);
    let passed = 0;
    for (const suffix of ['', '=', '==', ' ', '', '=', '']) {
      const response = await t.http
        .get(`/api/companies/${c.companyId}/scim/tokens`)
        .set('Authorization', `Bearer ${c.admin}${suffix}`);
      if (response.status === 200) passed++;
    }
    // The factory spent 2 of the admin's 4; at most the 2 left pass, whatever the suffix.
    expect(passed).toBeLessThanOrEqual(2);
  });

  it('refills smoothly: Retry-After is the real wait for the next request', async () => {
    const a = await scimCompany(t);
    const scimA = scimClient(t, a.scimToken);
    for (let i = 0; i < 5; i++) await scimA.get('/Users').expect(200);
    const limited = await scimA.get('/Users').expect(429);
    // 5 per minute: one request every 12 seconds.
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(11);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(12);
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
