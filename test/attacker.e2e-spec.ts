import { mkdtempSync, rmSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, QueryFailedError } from 'typeorm';
import { WellFormedDocuments1733600000000 } from '../libs/common/src/database/migrations/1733600000000-well-formed-documents';
import { UsersService } from '../libs/provisioning/src/users/users.service';
import { scimCompany, ScimCompany } from './factories/company.factory';
import { createUser } from './factories/user.factory';
import { GROUP_SCHEMA } from './factories/group.factory';
import { ERROR_SCHEMA, scimClient, ScimClient } from './support/scim-client';
import { ServerProcess, startServer } from './support/server-process';
import { adminJwt, createTestApp, TestApp } from './support/test-app';

/** What a determined attacker found with the documented surface alone (issue 12). */
describe('what an attacker found', () => {
  let t: TestApp;
  let a: ScimCompany;
  let scim: ScimClient;

  beforeAll(async () => {
    t = await createTestApp();
    a = await scimCompany(t);
    scim = scimClient(t, a.scimToken);
  });
  afterAll(() => t.close());

  const admin = (
    token: string,
    method: 'get' | 'post' | 'put' | 'patch' | 'delete',
    path: string,
  ) =>
    t.http[method](`/api/companies/${a.companyId}${path}`).set('Authorization', `Bearer ${token}`);

  describe('no 500 from any input', () => {
    it('answers a 5,000-deep nested JSON array with 400, on SCIM and admin routes, without a stack trace', async () => {
      const deep = '['.repeat(5000) + ']'.repeat(5000);
      const before = t.logger.lines.length;
      const scimAnswer = await t.http
        .post('/api/scim/v2/Users')
        .set('Content-Type', 'application/scim+json')
        .send(deep)
        .expect(400);
      expect(scimAnswer.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidSyntax' });
      expect(scimAnswer.body.detail).toContain('deeper than 64 levels');
      const adminAnswer = await t.http
        .post(`/api/companies/${a.companyId}/members`)
        .set('Content-Type', 'application/json')
        .send(`{"email":${deep}}`)
        .expect(400);
      expect(adminAnswer.body.message).toContain('deeper than 64 levels');
      expect(t.logger.lines.slice(before).some((line) => line.includes('RangeError'))).toBe(false);
    });

    // JSON may escape half of a surrogate pair ("\ud800", RFC 8259 §8.2), and an IdP that cuts a
    // string to a length in UTF-16 units can split an emoji so. PostgreSQL's json and jsonb
    // refuse such an escape: stored as sent, one such user made the search-document index refuse
    // its insert, and every later filter over the company that reads the document fail.
    it('stores half of a surrogate pair as U+FFFD, on both engines, and the company stays searchable', async () => {
      const company = await scimCompany(t);
      const client = scimClient(t, company.scimToken);
      const created = await t.http
        .post('/api/scim/v2/Users')
        .set('Authorization', `Bearer ${company.scimToken}`)
        .set('Content-Type', 'application/scim+json')
        .send(
          '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"cut\\ud83d@acme.example",' +
            '"name":{"familyName":"Emoji \\ud83d","givenName":"\\udc00x"},"title":"ok \\ud83d\\ude00",' +
            '"\\ud800extra":1}',
        );
      expect(created.status).toBe(201);
      expect(created.body.userName).toBe('cut\ufffd@acme.example');
      expect(created.body.name).toMatchObject({ familyName: 'Emoji \ufffd', givenName: '\ufffdx' });
      expect(created.body.title).toBe('ok \u{1F600}'); // a whole pair is a character, kept
      const byFamilyName = await client
        .get(`/Users?filter=${encodeURIComponent('name.familyName eq "Emoji \\ud83d"')}`)
        .expect(200);
      expect(byFamilyName.body.Resources.map((u: { id: string }) => u.id)).toEqual([
        created.body.id,
      ]);
      const patched = await client
        .patch(`/Users/${created.body.id}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'displayName', value: 'half \udfff' }],
        })
        .expect(200);
      expect(patched.body.displayName).toBe('half \ufffd');
      // A filter outside the indexed columns reads every document of the company.
      await client.get(`/Users?filter=${encodeURIComponent('title eq "x"')}`).expect(200);
      const events = await t.http
        .get(`/api/companies/${company.companyId}/events`)
        .set('Authorization', `Bearer ${company.admin}`)
        .expect(200);
      expect(JSON.stringify(events.body)).toContain('cut\ufffd@acme.example');
    });

    it('repairs, when migrating, a document stored with half of a surrogate pair before', async () => {
      const company = await scimCompany(t);
      const client = scimClient(t, company.scimToken);
      const user = await createUser(client);
      const group = await client
        .post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Cut' })
        .expect(201);
      // As such a request was stored before bodies were made well formed: lone escapes.
      const broken = (text: string) =>
        `${text.slice(0, -1)}${text === '{}' ? '' : ','}"title":"cut \\ud83d","\\udc00k":1}`;
      for (const [table, id] of [
        ['scim_users', user.id],
        ['scim_groups', group.body.id],
      ]) {
        const [row] = await t.query<{ document: string; searchDocument: string }>(
          `SELECT "document", "searchDocument" FROM "${table}" WHERE "id" = $1`,
          [id],
        );
        await t.query(
          `UPDATE "${table}" SET "document" = $1, "searchDocument" = $2 WHERE "id" = $3`,
          [broken(row.document), broken(row.searchDocument), id],
        );
      }
      const runner = t.app.get(DataSource).createQueryRunner();
      try {
        await new WellFormedDocuments1733600000000().up(runner);
      } finally {
        await runner.release();
      }
      await client.get(`/Users?filter=${encodeURIComponent('title eq "cut \ufffd"')}`).expect(200);
      const repaired = await client.get(`/Users/${user.id}`).expect(200);
      expect(repaired.body.title).toBe('cut \ufffd');
      expect(repaired.body.meta.version).toBe('W/"2"');
      const [groupRow] = await t.query<{ document: string }>(
        `SELECT "document" FROM "scim_groups" WHERE "id" = $1`,
        [group.body.id],
      );
      expect(JSON.parse(groupRow.document)).toMatchObject({ title: 'cut \ufffd', '\ufffdk': 1 });
    });

    it('clamps huge startIndex values and refuses a huge members offset with a 400 naming it', async () => {
      await createUser(scim);
      for (const startIndex of ['1e308', '99999999999999999999', '2147483648']) {
        const response = await scim.get(`/Users?startIndex=${startIndex}&count=5`).expect(200);
        expect(response.body.Resources ?? []).toEqual([]);
        expect(response.body.totalResults).toBe(1);
      }
      const offset = await admin(a.admin, 'get', '/members?offset=1e308').expect(400);
      expect(JSON.stringify(offset.body.message)).toContain('offset');
    });
  });

  // Against the service as its own process, as production runs it: the test process's HTTP
  // server does not enforce Node's connection deadlines under jest.
  describe('connections cannot be held open', () => {
    let server: ServerProcess;
    let port: number;
    let dataDir: string;
    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'scim-timeouts-'));
      server = await startServer({
        DATA_DIR: dataDir,
        HTTP_HEADERS_TIMEOUT_MS: '1000',
        HTTP_REQUEST_TIMEOUT_MS: '2000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
      });
      port = Number(new URL(server.url).port);
    }, 90_000);
    afterAll(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
      rmSync(dataDir, { recursive: true, force: true });
    });
    const closedWithin = (socket: Socket, ms: number) =>
      new Promise<number>((resolve, reject) => {
        const started = Date.now();
        const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(Date.now() - started);
        });
        socket.on('error', () => undefined);
        // Read (and drop) whatever the server answers, such as its 408, so 'close' can come.
        socket.resume();
      });

    it('closes a connection that never finishes its headers', async () => {
      const socket = connect(port, '127.0.0.1');
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      expect(await closedWithin(socket, 5000)).toBeLessThan(5000);
    });

    it('closes a connection that sends its body one byte at a time', async () => {
      const socket = connect(port, '127.0.0.1');
      socket.write(
        'POST /api/scim/v2/Users HTTP/1.1\r\nHost: x\r\nContent-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n',
      );
      const drip = setInterval(() => socket.writable && socket.write('{'), 300);
      try {
        expect(await closedWithin(socket, 6000)).toBeLessThan(6000);
      } finally {
        clearInterval(drip);
      }
    });

    it('closes an idle connection that never sends a byte, and a kept-alive one after its answer', async () => {
      const idle = connect(port, '127.0.0.1');
      expect(await closedWithin(idle, 6000)).toBeLessThan(6000);
      const kept = connect(port, '127.0.0.1');
      kept.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
      expect(await closedWithin(kept, 5000)).toBeLessThan(5000);
    });
  });

  describe('roles have an order', () => {
    let adminToken: string;
    let ownerMemberId: string;
    beforeAll(async () => {
      adminToken = await adminJwt(t.config, [{ id: a.companyId, role: 'admin' }], {
        sub: 'plain-admin',
      });
      const owner = await admin(a.admin, 'post', '/members')
        .send({ email: 'the.owner@example.com', role: 'owner', source: 'manual' })
        .expect(201);
      ownerMemberId = owner.body.id;
    });

    it('an admin cannot make, demote, suspend or deprovision an owner (403 saying so)', async () => {
      const made = await admin(adminToken, 'post', '/members')
        .send({ email: 'new.owner@example.com', role: 'owner', source: 'manual' })
        .expect(403);
      expect(made.body.message).toContain(
        'Only an owner may grant, change or remove the owner role',
      );
      await admin(adminToken, 'patch', `/members/${ownerMemberId}`)
        .send({ role: 'member' })
        .expect(403);
      await admin(adminToken, 'patch', `/members/${ownerMemberId}`)
        .send({ status: 'suspended' })
        .expect(403);
      await admin(adminToken, 'patch', `/members/${ownerMemberId}`)
        .send({ status: 'deprovisioned' })
        .expect(403);
      const plain = await admin(adminToken, 'post', '/members')
        .send({ email: 'plain.member@example.com', role: 'member', source: 'manual' })
        .expect(201);
      await admin(adminToken, 'patch', `/members/${plain.body.id}`)
        .send({ role: 'owner' })
        .expect(403);
      await admin(adminToken, 'patch', `/members/${plain.body.id}`)
        .send({ role: 'admin' })
        .expect(200);
      const still = await admin(a.admin, 'get', '/members?email=the.owner@example.com').expect(200);
      expect(still.body.items[0]).toMatchObject({ role: 'owner', status: 'active' });
    });

    it('an admin cannot set the default role to owner nor map a group to owner; an owner can', async () => {
      await admin(adminToken, 'put', '/scim/access').send({ defaultRole: 'owner' }).expect(403);
      await admin(adminToken, 'post', '/scim/group-mappings')
        .send({ displayName: 'Founders', role: 'owner' })
        .expect(403);
      const mapping = await admin(a.admin, 'post', '/scim/group-mappings')
        .send({ displayName: 'Founders', role: 'owner' })
        .expect(201);
      await admin(adminToken, 'delete', `/scim/group-mappings/${mapping.body.id}`).expect(403);
      await admin(a.admin, 'delete', `/scim/group-mappings/${mapping.body.id}`).expect(204);
      await admin(adminToken, 'put', '/scim/access').send({ defaultRole: 'admin' }).expect(200);
    });
  });

  describe('a costly statement is cancelled, not left running', () => {
    (process.env.DATABASE_URL ? it : it.skip)(
      'runs every PostgreSQL statement under DATABASE_STATEMENT_TIMEOUT_MS (10 s by default)',
      async () => {
        const [row] = await t.query<{ statement_timeout: string }>('SHOW statement_timeout');
        expect(row.statement_timeout).toBe('10s');
      },
    );

    it('answers a cancelled statement with 503 and Retry-After, in the route format', async () => {
      const cancelled = new QueryFailedError('SELECT …', [], {
        code: '57014',
        message: 'canceling statement due to statement timeout',
      } as unknown as Error);
      const spy = jest.spyOn(t.app.get(UsersService), 'list').mockRejectedValueOnce(cancelled);
      try {
        const response = await scim.get('/Users?filter=userName%20co%20%22a%22').expect(503);
        expect(response.headers['retry-after']).toBe('5');
        expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '503' });
        expect(response.body.detail).toContain('DATABASE_STATEMENT_TIMEOUT_MS');
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('bounded sizes', () => {
    it('refuses a user past 100 emails or 32 KiB stored, and keeps list answers bounded', async () => {
      const many = await scim
        .post('/Users', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'many.emails@example.com',
          emails: Array.from({ length: 150 }, (_, i) => ({ value: `e${i}@example.com` })),
        })
        .expect(400);
      expect(many.body).toMatchObject({ scimType: 'invalidValue' });
      expect(many.body.detail).toContain('more than 100 values');
      const heavy = await scim
        .post('/Users', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'heavy@example.com',
          emails: Array.from({ length: 10 }, (_, i) => ({
            value: `e${i}@example.com`,
            display: 'x'.repeat(60_000),
          })),
        })
        .expect(400);
      expect(heavy.body.detail).toContain('at most 32768 are allowed');
      // What may be stored: a user just under the cap; a full page of them stays bounded.
      for (let i = 0; i < 3; i++) {
        await scim
          .post('/Users', {
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
            userName: `big${i}@example.com`,
            displayName: 'x'.repeat(30_000),
          })
          .expect(201);
      }
      const page = await scim.get('/Users?count=1000').expect(200);
      expect(page.text.length).toBeLessThan(1000 * 33_000);
    });
  });

  describe('smaller leaks', () => {
    it('answers every API response with Cache-Control: no-store, the shown-once token first', async () => {
      const created = await admin(a.admin, 'post', '/scim/tokens')
        .send({ label: 'Cache' })
        .expect(201);
      expect(created.headers['cache-control']).toBe('no-store');
      const list = await admin(a.admin, 'get', '/scim/tokens').expect(200);
      expect(list.headers['cache-control']).toBe('no-store');
      expect((await scim.get('/Users').expect(200)).headers['cache-control']).toBe('no-store');
    });

    it("answers 404 for the changes of another company's run or an unknown run", async () => {
      const other = await scimCompany(t);
      const run = await t.http
        .post(`/api/companies/${other.companyId}/scim/reconcile`)
        .set('Authorization', `Bearer ${other.admin}`)
        .expect(200);
      await admin(a.admin, 'get', `/scim/reconciliations/${run.body.id}/changes`).expect(404);
      await admin(a.admin, 'get', '/scim/reconciliations/not-a-run/changes').expect(404);
      await t.http
        .get(`/api/companies/${other.companyId}/scim/reconciliations/${run.body.id}/changes`)
        .set('Authorization', `Bearer ${other.admin}`)
        .expect(200);
    });

    it('redacts a token put in a URL path from the request log, the provisioning log and the status card', async () => {
      const before = t.logger.lines.length;
      await scim.delete(`/Users/${a.scimToken}`).expect(404);
      const card = await admin(a.admin, 'get', '/scim/status').expect(200);
      expect(JSON.stringify(card.body)).not.toContain(a.scimToken);
      expect(card.body.lastSyncError.detail).toContain('scimp_[REDACTED]');
      const logged = await t.query(`SELECT * FROM "provisioning_events" WHERE "companyId" = $1`, [
        a.companyId,
      ]);
      expect(JSON.stringify(logged)).not.toContain(a.scimToken);
      expect(t.logger.lines.slice(before).join('\n')).not.toContain(a.scimToken);
      expect(t.logger.lines.slice(before).join('\n')).toContain('scimp_[REDACTED]');
    });
  });
});

describe('admin JWT issuer, audience and lifetime', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      ADMIN_JWT_ISSUER: 'https://platform.example',
      ADMIN_JWT_AUDIENCE: 'scim-service',
      ADMIN_JWT_MAX_TTL: '1h',
    });
  });
  afterAll(() => t.close());

  it('checks iss and aud when set, and refuses a token living longer than ADMIN_JWT_MAX_TTL', async () => {
    const { SignJWT } = await import('jose');
    const secret = new TextEncoder().encode(t.config.adminJwtSecret);
    const sign = (issuer: string, audience: string, ttl: number) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        email: 'a@b.c',
        companies: [{ id: 'jwt-co', name: 'J', role: 'owner' }],
      })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('someone')
        .setIssuedAt(now)
        .setExpirationTime(now + ttl)
        .setIssuer(issuer)
        .setAudience(audience)
        .sign(secret);
    };
    const call = async (jwt: string) =>
      t.http.get('/api/companies').set('Authorization', `Bearer ${jwt}`);
    expect((await call(await sign('https://platform.example', 'scim-service', 600))).status).toBe(
      200,
    );
    expect((await call(await sign('https://evil.example', 'scim-service', 600))).status).toBe(401);
    expect((await call(await sign('https://platform.example', 'billing', 600))).status).toBe(401);
    const long = await call(await sign('https://platform.example', 'scim-service', 7200));
    expect(long.status).toBe(401);
    expect(long.body.message).toContain('ADMIN_JWT_MAX_TTL');
  });
});
