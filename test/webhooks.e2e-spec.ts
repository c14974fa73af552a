import { AppConfig } from '@app/common';
import { PlatformKeysService, PLATFORM_AUDIT_SCOPE } from '@app/events';
import { WebhookSender } from '../libs/events/src/webhooks/webhook-sender';
import { WebhookTargetPolicy } from '../libs/events/src/webhooks/webhook-target';
import { scimCompany, ScimCompany } from './factories/company.factory';
import { createUser, oktaUser } from './factories/user.factory';
import { patchOp, scimClient, ScimClient } from './support/scim-client';
import { createTestApp, TestApp } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * Webhooks (issue 13) against a real receiver on 127.0.0.1 that verifies each signature with
 * the `standardwebhooks` package, as a platform would. Retries run on a schedule of
 * milliseconds (WEBHOOK_RETRY_SCHEDULE) so the suite takes seconds.
 */
describe('webhooks', () => {
  let t: TestApp;
  let a: ScimCompany;
  let scim: ScimClient;
  let key: string;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await createTestApp({
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_PRIVATE_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE: '0,300ms,300ms,300ms',
      WEBHOOK_TIMEOUT_MS: '1500',
    });
    key = (await t.app.get(PlatformKeysService).create('webhooks test', 'test')).key;
  });
  beforeEach(async () => {
    a = await scimCompany(t);
    scim = scimClient(t, a.scimToken);
    receiver = await new WebhookReceiver().start();
  });
  afterEach(() => receiver.close());
  afterAll(() => t.close());

  const platform = (method: 'get' | 'post' | 'patch' | 'delete', path: string) =>
    t.http[method](`/api/platform${path}`).set('Authorization', `Bearer ${key}`);

  /** An endpoint for this test's company, pointing at this test's receiver. */
  const endpoint = async (body: Record<string, unknown> = {}) => {
    const created = await platform('post', '/webhook-endpoints')
      .send({ url: receiver.url, companyId: a.companyId, ...body })
      .expect(201);
    receiver.secrets = [created.body.secret];
    return created.body as { id: string; secret: string };
  };
  const deliveries = async (id: string) =>
    (await platform('get', `/webhook-endpoints/${id}/deliveries`).expect(200)).body.items;

  it('a deactivation reaches the receiver within a second, signed, with the event id as webhook-id', async () => {
    const created = await endpoint();
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const listed = await platform('get', '/webhook-endpoints').expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(created.secret);
    const user = await createUser(scim, oktaUser({ userName: 'leaver@example.com' }));
    await receiver.until((got) => got.some((r) => r.event.type === 'user.created'));
    const started = Date.now();
    await scim
      .patch(`/Users/${user.id}`, patchOp({ op: 'replace', path: 'active', value: false }))
      .expect(200);
    const [revoked] = (
      await receiver.until((got) => got.some((r) => r.event.type === 'member.access_revoked'))
    ).filter((r) => r.event.type === 'member.access_revoked');
    expect(revoked.at - started).toBeLessThan(1000);
    expect(revoked.verifiedWith).toEqual([created.secret]);
    expect(revoked.signature).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(revoked.id).toBe(revoked.event.id);
    expect(Math.abs(Number(revoked.timestamp) - Date.now() / 1000)).toBeLessThan(5);
    expect(revoked.event).toMatchObject({
      type: 'member.access_revoked',
      companyId: a.companyId,
      data: { email: 'leaver@example.com', status: 'suspended', previousStatus: 'active' },
    });
    // The same event in the company's feed: same id, same body.
    const feed = await t.http
      .get(`/api/companies/${a.companyId}/events?type=member.access_revoked`)
      .set('Authorization', `Bearer ${a.admin}`)
      .expect(200);
    expect(feed.body.data).toEqual([revoked.event]);
    // Payloads carry no secret and no SCIM body beyond the contract's attributes.
    const bodies = receiver.received.map((r) => r.body).join('\n');
    expect(bodies).not.toContain(a.scimToken);
    expect(bodies).not.toContain('"emails"');
    expect(bodies).not.toContain('"name"');
  });

  it("one endpoint gets a company's events in order, one at a time", async () => {
    await endpoint({ eventTypes: ['user.created'] });
    await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        createUser(scim, oktaUser({ userName: `order${i}@example.com` })),
      ),
    );
    const got = await receiver.until((all) => all.length >= 15);
    expect(got.every((r) => r.event.type === 'user.created')).toBe(true);
    const sequences = got.map((r) => r.event.sequence);
    expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
    expect(new Set(got.map((r) => r.id)).size).toBe(15);
  });

  it('retries after a 500 and after a dropped connection, with the same webhook-id, and records each attempt', async () => {
    const created = await endpoint({ eventTypes: ['user.created'] });
    receiver.answer = (_, count) =>
      count === 1 ? { status: 500, body: 'boom' } : count === 2 ? 'drop' : { status: 200 };
    await createUser(scim, oktaUser({ userName: 'retry@example.com' }));
    const got = await receiver.until((all) => all.length >= 3);
    expect(new Set(got.map((r) => r.id)).size).toBe(1);
    expect(got.every((r) => r.verifiedWith.length === 1)).toBe(true);
    // The retries keep the schedule: about 300 ms apart (±20% jitter).
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(200);
    await expectAttempts(created.id, [
      { attempt: 3, outcome: 'delivered', status: 200 },
      { attempt: 2, outcome: 'failed', status: null },
      { attempt: 1, outcome: 'failed', status: 500, responseBody: 'boom' },
    ]);
  });

  /**
   * Attempts as the API lists them, newest first (waits until they are recorded). `oldest`:
   * compare the first attempts made, where later retries may already have followed them.
   */
  const expectAttempts = async (
    id: string,
    expected: Record<string, unknown>[],
    { oldest = false } = {},
  ) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const items = await deliveries(id);
      try {
        const compared = oldest ? items.slice(-expected.length) : items.slice(0, expected.length);
        expect(compared).toEqual(expected.map((attempt) => expect.objectContaining(attempt)));
        return items;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('honours Retry-After on a 503 and a 429', async () => {
    const created = await endpoint({ eventTypes: ['user.created'] });
    receiver.answer = (_, count) =>
      count === 1 ? { status: 503, headers: { 'Retry-After': '1' } } : { status: 204 };
    await createUser(scim, oktaUser({ userName: 'busy@example.com' }));
    const got = await receiver.until((all) => all.length >= 2);
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(950);
    await expectAttempts(created.id, [
      { attempt: 2, outcome: 'delivered', status: 204 },
      { attempt: 1, outcome: 'failed', status: 503 },
    ]);
  });

  it('a 410 disables the endpoint; re-enabling resumes its queue', async () => {
    const created = await endpoint({ eventTypes: ['user.created'] });
    receiver.answer = () => ({ status: 410 });
    await createUser(scim, oktaUser({ userName: 'gone1@example.com' }));
    await receiver.until((all) => all.length >= 1);
    await expectAttempts(created.id, [{ attempt: 1, outcome: 'gone', status: 410 }]);
    const disabled = await platform('get', `/webhook-endpoints/${created.id}`).expect(200);
    expect(disabled.body).toMatchObject({ enabled: false, status: 'disabled' });
    expect(disabled.body.statusReason).toMatch(/410/);
    // Nothing is sent to a disabled endpoint, and nothing queues for it.
    await createUser(scim, oktaUser({ userName: 'gone2@example.com' }));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(receiver.received).toHaveLength(1);
    receiver.answer = () => ({ status: 204 });
    await platform('patch', `/webhook-endpoints/${created.id}`).send({ enabled: true }).expect(200);
    const got = await receiver.until((all) => all.length >= 2);
    expect(got[1].event.data.userName).toBe('gone1@example.com');
  });

  it('gives up after the last attempt: the endpoint is failing, its queue waits, and re-enabling resumes it', async () => {
    const created = await endpoint({ eventTypes: ['user.created'] });
    receiver.answer = () => ({ status: 500 });
    await createUser(scim, oktaUser({ userName: 'first@example.com' }));
    await receiver.until((all) => all.length >= 4);
    await expectAttempts(created.id, [{ attempt: 4, outcome: 'failed' }]);
    const failing = await platform('get', `/webhook-endpoints/${created.id}`).expect(200);
    expect(failing.body).toMatchObject({ enabled: true, status: 'failing' });
    expect(failing.body.statusReason).toMatch(/gave up .* after 4 attempts/);
    receiver.answer = () => ({ status: 204 });
    await createUser(scim, oktaUser({ userName: 'second@example.com' }));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(receiver.received).toHaveLength(4); // waits behind the failing status
    await platform('patch', `/webhook-endpoints/${created.id}`).send({ enabled: true }).expect(200);
    const got = await receiver.until((all) => all.length >= 5);
    expect(got[4].event.data.userName).toBe('second@example.com');
  });

  it('times out a receiver that never answers, and does not follow redirects', async () => {
    const created = await endpoint({ eventTypes: ['user.created'] });
    receiver.answer = (_, count) =>
      count === 1 ? 'hang' : { status: 302, headers: { Location: 'http://169.254.169.254/' } };
    await createUser(scim, oktaUser({ userName: 'slow@example.com' }));
    // A 302 is a failed attempt, retried on the (test's short) schedule: look at the first two.
    await expectAttempts(
      created.id,
      [
        { attempt: 2, outcome: 'failed', status: 302 },
        { attempt: 1, outcome: 'failed', status: null, error: 'no answer within 1500 ms' },
      ],
      { oldest: true },
    );
  });

  it('rotation: a new secret shown once, and both secrets sign for 24 hours', async () => {
    const created = await endpoint({ eventTypes: ['user.created'] });
    const rotated = await platform('post', `/webhook-endpoints/${created.id}/rotate-secret`).expect(
      200,
    );
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(
      23.9 * 3_600_000,
    );
    receiver.secrets = [rotated.body.secret, created.secret];
    await createUser(scim, oktaUser({ userName: 'rotated@example.com' }));
    const [got] = await receiver.until((all) => all.length >= 1);
    expect(got.signature.split(' ')).toHaveLength(2);
    expect(got.verifiedWith).toEqual([rotated.body.secret, created.secret]);
    const listed = await platform('get', '/webhook-endpoints').expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(rotated.body.secret);
  });

  it('filters by event type and by company, and sends a test event on demand', async () => {
    const created = await endpoint({ eventTypes: ['member.access_revoked'] });
    const other = await scimCompany(t);
    const user = await createUser(scim, oktaUser({ userName: 'f@example.com' }));
    const otherUser = await createUser(
      scimClient(t, other.scimToken),
      oktaUser({ userName: 'o@example.com' }),
    );
    await scim.delete(`/Users/${user.id}`).expect(204);
    await scimClient(t, other.scimToken).delete(`/Users/${otherUser.id}`).expect(204);
    const got = await receiver.until((all) => all.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received.map((r) => [r.event.type, r.event.companyId])).toEqual([
      ['member.access_revoked', a.companyId],
    ]);
    expect(got[0].event.data.email).toBe('f@example.com');

    const test = await platform('post', `/webhook-endpoints/${created.id}/test`).expect(200);
    expect(test.body).toMatchObject({ attempt: 1, outcome: 'delivered', status: 204 });
    const [sent] = (await receiver.until((all) => all.length >= 2)).slice(-1);
    expect(sent.event).toMatchObject({ type: 'webhook.test', companyId: a.companyId });
    expect(sent.verifiedWith).toHaveLength(1);
  });

  it('validates endpoints (400 naming the field), answers 404 for unknown ids, audits every change', async () => {
    for (const [body, message] of [
      [{ url: 'not a url' }, /url must be an absolute/],
      [{ url: receiver.url, eventTypes: ['user.exploded'] }, /eventTypes must be/],
      [{ url: receiver.url, eventTypes: [] }, /eventTypes must list at least one/],
      [{ url: receiver.url, companyId: 'no spaces allowed' }, /companyId must be/],
      [{ url: receiver.url, secret: 'whsec_mine' }, /property secret should not exist/],
      [{ url: 'http://user:pass@127.0.0.1/' }, /must not carry credentials/],
    ] as const) {
      const refused = await platform('post', '/webhook-endpoints').send(body).expect(400);
      expect(JSON.stringify(refused.body)).toMatch(message);
    }
    await platform(
      'get',
      '/webhook-endpoints/00000000-0000-7000-8000-000000000000/deliveries',
    ).expect(404);
    await platform('patch', '/webhook-endpoints/nope').send({ enabled: true }).expect(404);
    const created = await endpoint();
    await platform('patch', `/webhook-endpoints/${created.id}`)
      .send({ description: 'sessions' })
      .expect(200);
    await platform('post', `/webhook-endpoints/${created.id}/rotate-secret`).expect(200);
    await platform('delete', `/webhook-endpoints/${created.id}`).expect(204);
    await platform('get', `/webhook-endpoints/${created.id}`).expect(404);
    const audit = await t.query<{ action: string; details: string | null }>(
      'SELECT "action", "details" FROM "audit_events" WHERE "companyId" = $1 AND "targetId" = $2 ORDER BY "id"',
      [PLATFORM_AUDIT_SCOPE, created.id],
    );
    expect(audit.map((row) => row.action)).toEqual([
      'webhook_endpoint.created',
      'webhook_endpoint.updated',
      'webhook_endpoint.secret_rotated',
      'webhook_endpoint.deleted',
    ]);
    expect(JSON.stringify(audit)).not.toContain(created.secret);
    // An admin JWT never reaches the platform API.
    await t.http
      .get('/api/platform/webhook-endpoints')
      .set('Authorization', `Bearer ${a.admin}`)
      .expect(401);
  });

  it('/metrics shows deliveries by outcome, retries and the age of the oldest undelivered event', async () => {
    await endpoint({ eventTypes: ['user.created'] });
    receiver.answer = (_, count) => (count === 1 ? { status: 500 } : { status: 204 });
    await createUser(scim, oktaUser({ userName: 'metrics@example.com' }));
    await receiver.until((all) => all.length >= 2);
    const metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/webhook_delivery_attempts_total\{outcome="delivered"\} \d+/);
    expect(metrics).toMatch(/webhook_delivery_attempts_total\{outcome="failed"\} \d+/);
    expect(metrics).toMatch(/webhook_delivery_retries_total \d+/);
    expect(metrics).toMatch(/# TYPE webhook_oldest_undelivered_seconds gauge/);
  });
});

describe('webhook targets (SSRF)', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    // Production defaults: https only, nothing inside the network.
    t = await createTestApp();
    key = (await t.app.get(PlatformKeysService).create('ssrf test', 'test')).key;
  });
  afterAll(() => t.close());

  it.each([
    ['http://hooks.example.com/x', /must be an https URL/],
    ['https://10.0.0.8/hooks', /10\.0\.0\.8, a loopback, private or link-local/],
    ['https://169.254.169.254/latest/meta-data', /169\.254\.169\.254/],
    ['https://127.0.0.1:8443/hooks', /127\.0\.0\.1/],
    ['https://[::1]/hooks', /::1/],
    ['https://[::ffff:192.168.1.1]/hooks', /loopback, private or link-local/],
    ['https://[fd00:ec2::254]/hooks', /loopback, private or link-local/],
    ['https://localhost/hooks', /resolves to .*loopback, private or link-local/],
    ['ftp://files.example.com/', /must be an https URL/],
  ])('refuses %s', async (url, message) => {
    const refused = await t.http
      .post('/api/platform/webhook-endpoints')
      .set('Authorization', `Bearer ${key}`)
      .send({ url })
      .expect(400);
    expect(JSON.stringify(refused.body)).toMatch(message);
  });

  it('checks every address a delivery connects to, at send time', async () => {
    const receiver = await new WebhookReceiver().start();
    try {
      // A name that resolves inside is refused when the request connects (not only when saved).
      const policy = new WebhookTargetPolicy({
        allowHttp: true,
        allowedPrivateHosts: [],
        retryScheduleMs: [0],
        timeoutMs: 2000,
        deliver: true,
      } satisfies AppConfig['webhooks']);
      const sender = new WebhookSender(policy, 2000);
      const event = {
        id: 'evt',
        type: 'webhook.test' as const,
        companyId: null,
        occurredAt: new Date().toISOString(),
        sequence: 0,
        data: {},
      };
      const url = receiver.url.replace('127.0.0.1', 'localhost');
      const result = await sender.send(
        url,
        ['whsec_' + Buffer.alloc(32).toString('base64')],
        event,
      );
      expect(result).toMatchObject({ outcome: 'refused', statusCode: null });
      expect(result.error).toMatch(/localhost resolves to .* loopback, private or link-local/);
      expect(receiver.received).toEqual([]);
      // Listed as allowed, the same name is delivered to.
      const allowed = new WebhookSender(
        new WebhookTargetPolicy({
          allowHttp: true,
          allowedPrivateHosts: ['localhost'],
          retryScheduleMs: [0],
          timeoutMs: 2000,
          deliver: true,
        }),
        2000,
      );
      const delivered = await allowed.send(
        url,
        ['whsec_' + Buffer.alloc(32).toString('base64')],
        event,
      );
      expect(delivered).toMatchObject({ outcome: 'delivered', statusCode: 204 });
    } finally {
      await receiver.close();
    }
  });
});
