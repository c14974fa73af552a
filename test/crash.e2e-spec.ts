import { existsSync, mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '@app/common';
import { SAML_CONNECTION, newCompanyId } from './factories/company.factory';
import { oktaUser } from './factories/user.factory';
import { patchOp, scimClient } from './support/scim-client';
import { startServer } from './support/server-process';
import { adminJwt, createTestApp } from './support/test-app';

const ADMIN_JWT_SECRET = 'crash-test-admin-secret-0123456789abcdef';
const SCIM = 'application/scim+json';

/** A provisioning company on a running service process: its admin JWT and SCIM token. */
async function setUpCompany(url: string) {
  const companyId = newCompanyId('crash');
  const admin = await adminJwt({ adminJwtSecret: ADMIN_JWT_SECRET } as AppConfig, [
    { id: companyId, role: 'owner' },
  ]);
  const headers = { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' };
  const sso = await fetch(`${url}/api/companies/${companyId}/sso`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ ...SAML_CONNECTION, scimEnabled: true }),
  });
  expect(sso.status).toBe(200);
  const created = await fetch(`${url}/api/companies/${companyId}/scim/tokens`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ label: 'crash' }),
  });
  expect(created.status).toBe(201);
  const { token } = (await created.json()) as { token: string };
  const scim = (method: string, path: string, body?: unknown) =>
    fetch(`${url}/api/scim/v2${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': SCIM },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { companyId, admin, token, scim };
}

describe('crash safety and graceful shutdown (a real process)', () => {
  it('keeps every acknowledged write through SIGKILL under concurrent writes, and stays consistent', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'scim-crash-'));
    const server = await startServer({ DATA_DIR: dataDir, ADMIN_JWT_SECRET, NODE_ENV: 'test' });
    const { companyId, admin, token, scim } = await setUpCompany(server.url);
    const group = await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Everyone',
    });
    expect(group.status).toBe(201);
    const groupId = ((await group.json()) as { id: string }).id;

    // What the service acknowledged with a success, and so must still be there.
    const users = new Map<string, string>(); // id -> userName
    const memberships = new Set<string>();
    const deactivated = new Set<string>();
    let killed = false;
    const worker = async (w: number) => {
      for (let i = 0; !killed; i++) {
        try {
          const body = oktaUser({ userName: `crash.${w}.${i}.${Date.now()}@example.com` });
          const created = await scim('POST', '/Users', body);
          if (created.status !== 201) continue;
          const { id } = (await created.json()) as { id: string };
          users.set(id, body.userName);
          const added = await scim(
            'PATCH',
            `/Groups/${groupId}`,
            patchOp({ op: 'add', path: 'members', value: [{ value: id }] }),
          );
          if (added.status === 204) memberships.add(id);
          if (i % 3 === 0) {
            const patched = await scim(
              'PATCH',
              `/Users/${id}`,
              patchOp({ op: 'replace', path: 'active', value: false }),
            );
            if (patched.status === 200) deactivated.add(id);
          }
        } catch {
          return; // the connection died with the process: that write's outcome is unknown
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    killed = true;
    server.child.kill('SIGKILL');
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await Promise.all(workers);
    expect(users.size).toBeGreaterThan(20);

    // Restart on the same data: migrations and start-up run again.
    const t = await createTestApp({ DATA_DIR: dataDir, ADMIN_JWT_SECRET });
    try {
      const client = scimClient(t, token);
      for (const [id, userName] of users) {
        const read = await client.get(`/Users/${id}`).expect(200);
        expect(read.body.userName).toBe(userName);
        if (deactivated.has(id)) expect(read.body.active).toBe(false);
      }
      const members = (await client.get(`/Groups/${groupId}`).expect(200)).body.members as {
        value: string;
      }[];
      const inGroup = new Set(members.map((member) => member.value));
      for (const id of memberships) expect(inGroup.has(id)).toBe(true);

      // Consistency: kept counts equal real counts; every user has its member, whose status
      // follows `active`; the group's kept member count equals its rows.
      const [counts] = await t.query<{ kept: string; real: string }>(
        `SELECT c.users AS kept, (SELECT COUNT(*) FROM scim_users u WHERE u."companyId" = $1) AS real
           FROM scim_resource_counts c WHERE c."companyId" = $2`,
        [companyId, companyId],
      );
      expect(Number(counts.kept)).toBe(Number(counts.real));
      const [groupCounts] = await t.query<{ kept: string; real: string }>(
        `SELECT g."memberCount" AS kept,
                (SELECT COUNT(*) FROM scim_group_members m WHERE m."groupId" = g.id) AS real
           FROM scim_groups g WHERE g.id = $1`,
        [groupId],
      );
      expect(Number(groupCounts.kept)).toBe(Number(groupCounts.real));
      const mismatched = await t.query(
        `SELECT u.id FROM scim_users u
           LEFT JOIN members m ON m."companyId" = u."companyId" AND m."scimUserId" = u.id
          WHERE u."companyId" = $1
            AND (m.id IS NULL OR m.status <> CASE WHEN u.active THEN 'active' ELSE 'suspended' END)`,
        [companyId],
      );
      expect(mismatched).toEqual([]);
      // The drift rules agree: nothing stale, every user's membership managed.
      const card = await t.http
        .get(`/api/companies/${companyId}/scim/status`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      expect(card.body.staleMemberships).toBe(0);
      expect(card.body.managedMemberships).toBe(Number(counts.real));
      if (t.engine === 'sqlite') {
        expect(await t.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      }
    } finally {
      await t.close();
    }
  }, 120_000);

  it('drains requests in flight on SIGTERM, stops the schedule, flushes the log, closes the database and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'scim-drain-'));
    const server = await startServer({
      DATA_DIR: dataDir,
      ADMIN_JWT_SECRET,
      NODE_ENV: 'development',
      // A tick every second, so one may be running when the signal comes.
      RECONCILE_CRON: '* * * * * *',
    });
    const { companyId, token } = await setUpCompany(server.url);
    // A scan first, so that SQLite's readers (worker threads with connections of their own)
    // are open when the signal comes: they must close before the database does.
    const scan = await fetch(
      `${server.url}/api/scim/v2/Users?filter=${encodeURIComponent('userName co "x"')}`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    expect(scan.status).toBe(200);
    // Requests in flight when the signal comes: headers and half of each body sent, the rest
    // after the signal. Each Bulk creates 200 users.
    const bodies = [1, 2, 3].map((n) =>
      JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: Array.from({ length: 200 }, (_, i) => ({
          method: 'POST',
          path: '/Users',
          bulkId: `b${i}`,
          data: oktaUser({ userName: `drain.${n}.${i}@example.com` }),
        })),
      }),
    );
    const inFlight = bodies.map((body) => {
      const request = httpRequest(`${server.url}/api/scim/v2/Bulk`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': SCIM,
          'Content-Length': Buffer.byteLength(body),
        },
      });
      const answer = new Promise<{ status: number; connection?: string; body: string }>(
        (resolve, reject) => {
          request.once('error', reject);
          request.once('response', (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString()));
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                connection: response.headers.connection,
                body: text,
              }),
            );
          });
        },
      );
      request.write(body.slice(0, body.length / 2));
      return { request, body, answer };
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.child.exitCode).toBeNull(); // still waiting for the rest of the bodies
    for (const { request, body } of inFlight) request.end(body.slice(body.length / 2));
    const answers = await Promise.all(inFlight.map(({ answer }) => answer));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.connection).toBe('close');
      const operations = (JSON.parse(answer.body) as { Operations: { status: string }[] })
        .Operations;
      expect(operations.filter((operation) => operation.status === '201')).toHaveLength(200);
    }
    expect(await server.exited).toEqual({ code: 0, signal: null });
    // No new connection after the signal.
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    expect(server.output()).toMatch(
      /SIGTERM: \d+ request\(s\) in flight drained in \d+ ms, schedule and webhook sender stopped, provisioning log flushed, readers closed; closing the database/,
    );
    expect(server.output()).not.toMatch(/could not write .* provisioning log entries/);

    if (!process.env.DATABASE_URL) {
      // SQLite removes the write-ahead log when the last connection closes cleanly.
      expect(existsSync(join(dataDir, 'scim.sqlite'))).toBe(true);
      expect(existsSync(join(dataDir, 'scim.sqlite-wal'))).toBe(false);
    }
    const t = await createTestApp({ DATA_DIR: dataDir, ADMIN_JWT_SECRET });
    try {
      await scimClient(t, token)
        .get('/Users?count=0')
        .expect(200)
        .then((list) => expect(list.body.totalResults).toBe(600));
      // The log was flushed before the database closed: all 600 operations are recorded.
      const [logged] = await t.query<{ n: string }>(
        `SELECT COUNT(*) AS n FROM provisioning_events WHERE "companyId" = $1 AND "resourceType" = 'Users' AND status = 201`,
        [companyId],
      );
      expect(Number(logged.n)).toBe(600);
    } finally {
      await t.close();
    }
  }, 120_000);
});
