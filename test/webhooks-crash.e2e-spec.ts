import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformKeysService } from '@app/events';
import { scimCompany, ScimCompany } from './factories/company.factory';
import { oktaUser } from './factories/user.factory';
import { patchOp, scimClient } from './support/scim-client';
import { startServer, ServerProcess } from './support/server-process';
import { createTestApp, TestApp } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';

const WEBHOOKS = {
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_PRIVATE_HOSTS: '127.0.0.1',
  WEBHOOK_RETRY_SCHEDULE: '0,200ms,200ms,200ms,200ms',
  // A claim lives for the timeout and 5 s more: a killed sender's claim expires in 6 s.
  WEBHOOK_TIMEOUT_MS: '1000',
};

/**
 * What a crash and several instances must not break (issue 13): a committed change always
 * has its events, an event whose sender was killed mid-delivery is delivered again with the
 * same webhook-id, and instances sharing PostgreSQL deliver each event once.
 */
describe('webhooks across crashes and instances', () => {
  let dataDir: string;
  let helper: TestApp;
  let a: ScimCompany;
  let key: string;
  let receiver: WebhookReceiver;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'scim-crash-'));
    // An instance in this process that serves the API but sends nothing (WEBHOOK_DELIVERY=false):
    // it sets up the company and reads the database; the servers under test send.
    helper = await createTestApp({ DATA_DIR: dataDir, WEBHOOK_DELIVERY: 'false', ...WEBHOOKS });
    key = (await helper.app.get(PlatformKeysService).create('crash test', 'test')).key;
  });
  beforeEach(async () => {
    a = await scimCompany(helper);
    receiver = await new WebhookReceiver().start();
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await receiver.close();
  });
  afterAll(async () => {
    await helper.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const endpoint = async (eventTypes: string[]) => {
    const created = await helper.http
      .post('/api/platform/webhook-endpoints')
      .set('Authorization', `Bearer ${key}`)
      .send({ url: receiver.url, companyId: a.companyId, eventTypes })
      .expect(201);
    receiver.secrets = [created.body.secret];
    return created.body as { id: string };
  };
  const server = async () => {
    const started = await startServer({ DATA_DIR: dataDir, ...WEBHOOKS });
    servers.push(started);
    return started;
  };

  it('a sender killed mid-delivery: after a restart the event arrives again with the same webhook-id, and none is lost', async () => {
    await endpoint(['user.created']);
    receiver.answer = (_, count) => (count === 1 ? 'hang' : { status: 204 });
    const first = await server();
    const scim = scimClient(helper, a.scimToken);
    await scim.post('/Users', oktaUser({ userName: 'during@example.com' })).expect(201);
    const [held] = await receiver.until((got) => got.length >= 1, 15_000);
    first.child.kill('SIGKILL');
    await first.exited;
    servers.splice(servers.indexOf(first), 1);
    // Committed while no sender runs: delivered after the restart, after the first one.
    await scim.post('/Users', oktaUser({ userName: 'while-down@example.com' })).expect(201);
    await server();
    const got = await receiver.until((all) => all.length >= 3, 30_000);
    expect(got.map((r) => r.id)).toEqual([held.id, held.id, got[2].id]);
    expect(got.map((r) => r.event.data.userName)).toEqual([
      'during@example.com',
      'during@example.com',
      'while-down@example.com',
    ]);
    expect(got.every((r) => r.verifiedWith.length === 1)).toBe(true);
  }, 90_000);

  it('a server killed mid-stream of writes: every committed change has its events, and no event is without its change', async () => {
    const target = await server();
    const url = `${target.url}/api/scim/v2/Users`;
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (lane: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: {
              Authorization: `Bearer ${a.scimToken}`,
              'Content-Type': 'application/scim+json',
            },
            body: JSON.stringify(oktaUser({ userName: `stream-${lane}-${i}@example.com` })),
          });
          if (response.status === 201)
            acknowledged.push(((await response.json()) as { id: string }).id);
        } catch {
          return; // the server is gone
        }
      }
    };
    const lanes = Array.from({ length: 6 }, (_, lane) => writer(lane));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    target.child.kill('SIGKILL');
    await target.exited;
    stop = true;
    await Promise.all(lanes);
    servers.splice(servers.indexOf(target), 1);
    expect(acknowledged.length).toBeGreaterThan(10);

    const users = await helper.query<{ id: string }>(
      'SELECT "id" FROM "scim_users" WHERE "companyId" = $1',
      [a.companyId],
    );
    const events = await helper.query<{ data: string; sequence: number | string }>(
      `SELECT "data", "sequence" FROM "events" WHERE "companyId" = $1 AND "type" = 'user.created' ORDER BY "sequence"`,
      [a.companyId],
    );
    const granted = await helper.query<{ n: number | string }>(
      `SELECT COUNT(*) AS "n" FROM "events" WHERE "companyId" = $1 AND "type" = 'member.access_granted'`,
      [a.companyId],
    );
    const stored = new Set(users.map((user) => user.id));
    const reported = new Set(events.map((event) => JSON.parse(event.data).userId as string));
    for (const id of acknowledged) expect(stored.has(id)).toBe(true);
    expect(reported).toEqual(stored);
    expect(Number(granted[0].n)).toBe(stored.size);
    // Sequences stayed gapless through the crash.
    const all = await helper.query<{ sequence: number | string }>(
      'SELECT "sequence" FROM "events" WHERE "companyId" = $1 ORDER BY "sequence"',
      [a.companyId],
    );
    expect(all.map((row) => Number(row.sequence))).toEqual(
      all.map((_, i) => Number(all[0].sequence) + i),
    );
  }, 60_000);
});

/** Several instances on one PostgreSQL database (what production scales out to). */
(process.env.DATABASE_URL ? describe : describe.skip)('webhooks with three instances', () => {
  let instances: TestApp[];
  let a: ScimCompany;
  let key: string;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    instances = [];
    for (let i = 0; i < 3; i++) instances.push(await createTestApp({ ...WEBHOOKS }));
    key = (await instances[0].app.get(PlatformKeysService).create('instances test', 'test')).key;
    receiver = await new WebhookReceiver().start();
  });
  afterAll(async () => {
    await receiver.close();
    for (const instance of instances) await instance.close();
  });
  beforeEach(async () => {
    a = await scimCompany(instances[0]);
    const created = await instances[1].http
      .post('/api/platform/webhook-endpoints')
      .set('Authorization', `Bearer ${key}`)
      .send({ url: receiver.url, companyId: a.companyId })
      .expect(201);
    receiver.secrets = [created.body.secret];
    receiver.received.length = 0;
  });

  it('each event is delivered once, in order, whichever instance wrote it', async () => {
    const writes = [];
    for (let i = 0; i < 30; i++) {
      const instance = instances[i % 3];
      writes.push(
        scimClient(instance, a.scimToken)
          .post('/Users', oktaUser({ userName: `multi${i}@example.com` }))
          .expect(201),
      );
    }
    await Promise.all(writes);
    const got = await receiver.until((all) => all.length >= 60, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.received).toHaveLength(60);
    expect(new Set(got.map((r) => r.id)).size).toBe(60);
    const sequences = got.map((r) => r.event.sequence);
    expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
  }, 60_000);

  it('a deactivation reaches the receiver within a second (p99 of 20), whichever instance took it', async () => {
    const scim = scimClient(instances[0], a.scimToken);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const created = await scimClient(instances[i % 3], a.scimToken)
        .post('/Users', oktaUser({ userName: `leaver${i}@example.com` }))
        .expect(201);
      const before = receiver.received.length;
      const started = Date.now();
      await scimClient(instances[(i + 1) % 3], a.scimToken)
        .patch(
          `/Users/${created.body.id}`,
          patchOp({ op: 'replace', path: 'active', value: false }),
        )
        .expect(200);
      const [revoked] = (
        await receiver.until((all) =>
          all
            .slice(before)
            .some(
              (r) =>
                r.event.type === 'member.access_revoked' &&
                r.event.data.email === `leaver${i}@example.com`,
            ),
        )
      ).filter(
        (r) =>
          r.event.type === 'member.access_revoked' &&
          r.event.data.email === `leaver${i}@example.com`,
      );
      latencies.push(revoked.at - started);
    }
    expect(scim).toBeDefined();
    latencies.sort((x, y) => x - y);
    expect(latencies[latencies.length - 1]).toBeLessThan(1000);
  }, 60_000);
});
