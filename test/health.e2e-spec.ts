import { scimCompany } from './factories/company.factory';
import { oktaUser } from './factories/user.factory';
import { scimClient } from './support/scim-client';
import { createTestApp, TestApp } from './support/test-app';

describe('health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('GET /healthz answers 200 while the process lives', async () => {
    await t.http.get('/healthz').expect(200, { status: 'ok' });
  });

  it('GET /readyz answers 200 once the database is reachable and migrated', async () => {
    await t.http.get('/readyz').expect(200, { status: 'ready' });
  });

  it('GET /readyz answers 503 when the database is gone', async () => {
    const other = await createTestApp();
    await other.dataSource.destroy();
    const response = await other.http.get('/readyz').expect(503);
    expect(response.body.status).toBe('unavailable');
    await other.app.close().catch(() => undefined);
  });
});

describe('metrics', () => {
  it('exposes Prometheus metrics: requests by route pattern and status, reconciliation runs', async () => {
    const t = await createTestApp();
    try {
      await t.http.get('/healthz').expect(200);
      await t.http.get('/api/scim/v2/Users/123e4567-e89b-12d3-a456-426614174000').expect(401);
      const response = await t.http.get('/metrics').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      expect(response.text).toMatch(
        /http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/,
      );
      expect(response.text).toContain('http_request_duration_seconds_bucket');
      expect(response.text).toContain('reconciliation_runs_total');
      expect(response.text).not.toContain('123e4567');
    } finally {
      await t.close();
    }
  });
});

describe('request log', () => {
  it('writes one structured line per request with request, company and token ids, never a secret, query or body', async () => {
    const t = await createTestApp();
    try {
      const company = await scimCompany(t);
      const scim = scimClient(t, company.scimToken);
      const filter = encodeURIComponent('userName eq "private.person@example.com"');
      await scim.get(`/Users?filter=${filter}`).set('X-Request-Id', 'req-log-000001').expect(200);
      await scim
        .post('/Users', oktaUser({ userName: 'body.person@example.com', password: 'pw-in-body' }))
        .set('X-Request-Id', 'req-log-000002')
        .expect(201);
      const entries = t.logger.entries().filter((entry) => entry.event === 'request');
      const list = entries.find((entry) => entry.requestId === 'req-log-000001');
      expect(list).toMatchObject({
        method: 'GET',
        route: '/api/scim/v2/Users',
        path: '/api/scim/v2/Users',
        status: 200,
        companyId: company.companyId,
        tokenId: company.tokenId,
        adminId: null,
      });
      expect(typeof list.durationMs).toBe('number');
      expect(entries.find((entry) => entry.requestId === 'req-log-000002')).toMatchObject({
        method: 'POST',
        status: 201,
        tokenId: company.tokenId,
      });
      const all = t.logger.lines.join('\n');
      for (const secret of [company.scimToken, 'private.person', 'body.person', 'pw-in-body']) {
        expect(all).not.toContain(secret);
      }
    } finally {
      await t.close();
    }
  });
});
