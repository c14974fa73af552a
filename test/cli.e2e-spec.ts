import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { newCompanyId, ScimCompany, scimCompany } from './factories/company.factory';
import { createUser, oktaUser } from './factories/user.factory';
import { scimClient } from './support/scim-client';
import { createTestApp, TestApp } from './support/test-app';

const root = join(__dirname, '..');

/**
 * Runs `npm run cli -- ...args` as an operator would, on the test app's DATA_DIR and
 * database (the suite's PostgreSQL when DATABASE_URL names one); answers its standard output.
 */
function runCli(t: TestApp, env: Record<string, string>, ...args: string[]): string {
  return execFileSync(process.execPath, [join(root, 'scripts', 'cli.js'), ...args], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: t.dataDir,
      PUBLIC_URL: 'https://scim.test',
      ...(process.env.DATABASE_URL ? {} : { DATABASE_URL: '' }),
      ...env,
    },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

describe('npm run cli -- admin-token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const cli = (...args: string[]) => runCli(t, { DATABASE_URL: '' }, ...args);

  it('prints an admin JWT, signed with the secret in DATA_DIR, that the admin API accepts', async () => {
    const companyId = newCompanyId();
    const jwt = cli('admin-token', '--company', companyId, '--name', 'Acme', '--ttl', '10m');
    expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const response = await t.http
      .get('/api/companies')
      .set('Authorization', `Bearer ${jwt}`)
      .expect(200);
    expect(response.body).toEqual([{ id: companyId, name: 'Acme', role: 'admin' }]);
    await t.http
      .get(`/api/companies/${companyId}/sso`)
      .set('Authorization', `Bearer ${jwt}`)
      .expect(200);
  }, 60_000);

  it('prints the console URL with the token in the fragment', () => {
    const url = cli('admin-token', '--company', 'acme', '--url');
    expect(url).toMatch(/^https:\/\/scim\.test\/settings\/scim#token=[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('lists its commands and refuses bad arguments', () => {
    expect(cli('--help')).toContain('admin-token');
    expect(() => cli('admin-token', '--company', 'x', '--role', 'root')).toThrow();
  });
});

describe('npm run cli -- platform-key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const cli = (...args: string[]) => runCli(t, {}, ...args);

  it('creates a key printed once, lists it without its secret, and revokes it at once', async () => {
    const key = cli('platform-key', 'create', '--label', 'session service');
    expect(key).toMatch(/^scimpk_[0-9A-Za-z]{49}$/);
    await t.http.get('/api/platform/events').set('Authorization', `Bearer ${key}`).expect(200);

    const listed = JSON.parse(cli('platform-key', 'list', '--json')) as Record<string, unknown>[];
    const mine = listed.find((entry) => entry.label === 'session service')!;
    expect(mine).toMatchObject({ status: 'active', prefix: key.slice(0, 13) });
    expect(JSON.stringify(listed)).not.toContain(key);
    expect(cli('platform-key', 'list')).toContain('session service');

    const revoked = JSON.parse(cli('platform-key', 'revoke', String(mine.id), '--json'));
    expect(revoked).toMatchObject({ id: mine.id, status: 'revoked' });
    await t.http.get('/api/platform/events').set('Authorization', `Bearer ${key}`).expect(401);
    // The audit log records both, never the key.
    const audit = await t.query<{ action: string; details: string }>(
      `SELECT "action", "details" FROM "audit_events" WHERE "targetId" = $1 ORDER BY "id"`,
      [mine.id],
    );
    expect(audit.map((row) => row.action)).toEqual([
      'platform_key.created',
      'platform_key.revoked',
    ]);
    expect(JSON.stringify(audit)).not.toContain(key);
    expect(() => cli('platform-key', 'revoke', '00000000-0000-7000-8000-000000000000')).toThrow(
      /No platform key/,
    );
    expect(() => cli('platform-key', 'create')).toThrow(/--label/);
  }, 120_000);
});

describe("npm run cli -- the operators' commands", () => {
  let t: TestApp;
  let a: ScimCompany;
  beforeAll(async () => {
    t = await createTestApp();
    a = await scimCompany(t);
  });
  afterAll(() => t.close());

  const cli = (...args: string[]) => runCli(t, {}, ...args);

  it('lists companies with their SCIM state', () => {
    const companies = JSON.parse(cli('companies', '--json')) as Record<string, unknown>[];
    expect(companies.find((c) => c.id === a.companyId)).toMatchObject({
      ssoConfigured: true,
      scimEnabled: true,
    });
    expect(cli('companies')).toMatch(new RegExp(`${a.companyId}\\s+SCIM on`));
  }, 60_000);

  it("lists a company's tokens without their secrets, and revokes one at once (audited)", async () => {
    const scim = scimClient(t, a.scimToken);
    await scim.get('/Users').expect(200);
    const listed = JSON.parse(cli('tokens', 'list', '--company', a.companyId, '--json'));
    expect(listed).toEqual([expect.objectContaining({ id: a.tokenId, status: 'active' })]);
    expect(JSON.stringify(listed)).not.toContain(a.scimToken);
    expect(cli('tokens', 'list', '--company', a.companyId)).toContain(a.tokenId);

    const revoked = JSON.parse(
      cli('tokens', 'revoke', a.tokenId, '--company', a.companyId, '--json'),
    );
    expect(revoked).toMatchObject({ id: a.tokenId, status: 'revoked' });
    await scim.get('/Users').expect(401);
    const audit = await t.query<{ action: string }>(
      `SELECT "action" FROM "audit_events" WHERE "targetId" = $1`,
      [a.tokenId],
    );
    expect(audit.map((row) => row.action)).toContain('scim_token.revoked');
    // Another company's token is unknown here, as it is on the API.
    const b = await scimCompany(t);
    expect(() => cli('tokens', 'revoke', b.tokenId, '--company', a.companyId)).toThrow(
      /Token not found/,
    );
  }, 120_000);

  it('runs a reconciliation now and prints its outcome; shows the status card', async () => {
    const b = await scimCompany(t);
    await createUser(scimClient(t, b.scimToken), oktaUser({ userName: 'dana@example.com' }));
    // Drift: an admin suspends a managed member outside SCIM.
    const members = await t.http
      .get(`/api/companies/${b.companyId}/members?email=dana@example.com`)
      .set('Authorization', `Bearer ${b.admin}`)
      .expect(200);
    const [member] = members.body.items as { id: string }[];
    await t.http
      .patch(`/api/companies/${b.companyId}/members/${member.id}`)
      .set('Authorization', `Bearer ${b.admin}`)
      .send({ status: 'suspended' })
      .expect(200);

    const detected = JSON.parse(cli('reconcile', '--company', b.companyId, '--detect', '--json'));
    expect(detected).toMatchObject({
      status: 'succeeded',
      mode: 'detect',
      staleFound: 1,
      fixed: 0,
    });
    expect(cli('reconcile', '--company', b.companyId)).toMatch(
      /succeeded \(repair\): 1 stale found, 1 fixed/,
    );

    const card = JSON.parse(cli('status', '--company', b.companyId, '--json'));
    expect(card).toMatchObject({
      enabled: true,
      ssoConfigured: true,
      staleMemberships: 0,
      lastReconciliation: expect.objectContaining({ status: 'succeeded', fixed: 1 }),
    });
    expect(cli('status', '--company', b.companyId)).toMatch(/SSO configured\s+yes; SCIM on/);
  }, 120_000);
});
