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
