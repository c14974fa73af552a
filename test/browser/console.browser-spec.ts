import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import Sqlite from 'better-sqlite3';
import { signAdminJwt } from '@app/common';

/**
 * The admin console in real headless Chromium (Debian's package, driven by playwright-core),
 * against the built service on SQLite. Screenshots of each state go to docs/screenshots/.
 */
const root = join(__dirname, '..', '..');
const shots = join(root, 'docs', 'screenshots');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('admin console (headless Chromium)', () => {
  let server: ChildProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  const cli = (...args: string[]) =>
    execFileSync(process.execPath, [join(root, 'scripts', 'cli.js'), ...args], {
      env,
      encoding: 'utf8',
    }).trim();

  beforeAll(async () => {
    // The built service, as production runs it (built here when missing or stale).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const builds = require(join(root, 'scripts', 'build-if-needed.js'));
    builds.buildConsoleIfNeeded();
    const entry = builds.buildIfNeeded('scim-server') as string;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    dataDir = mkdtempSync(join(tmpdir(), 'scim-console-'));
    env = {
      ...process.env,
      PORT: String(port),
      PUBLIC_URL: base,
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
    };
    server = spawn(process.execPath, [entry], { env, stdio: 'inherit' });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${base}/readyz`)).ok) break;
      } catch {
        /* starting */
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const shot = (name: string) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  /** The console signed in with a platform JWT naming two companies (secret from DATA_DIR). */
  const twoCompanyUrl = async () => {
    const secret = readFileSync(join(dataDir, 'admin-jwt-secret'), 'utf8').trim();
    const jwt = await signAdminJwt(
      new TextEncoder().encode(secret),
      {
        sub: 'two-company-admin',
        email: 'admin@example.com',
        companies: [
          { id: 'acme', name: 'Acme Inc', role: 'owner' },
          { id: 'globex', name: 'Globex', role: 'admin' },
        ],
      },
      600,
    );
    return `${base}/settings/scim#token=${jwt}`;
  };

  /** Creates a token in the console as an admin would, and reads it from the clipboard. */
  const createTokenInConsole = async (label: string) => {
    await page.getByLabel('Label').fill(label);
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByRole('button', { name: 'Copy Token' }).click();
    const token = await page.evaluate<string>('navigator.clipboard.readText()');
    await page.getByRole('button', { name: 'Close' }).click();
    return token;
  };

  it('asks an admin of several companies to choose one before it shows anything, and keeps the token out of the address bar', async () => {
    const missing: string[] = [];
    page.on('response', (response) => {
      if (response.status() === 404) missing.push(response.url());
    });
    await page.goto(await twoCompanyUrl());
    await page.getByText('Choose a company in the picker above').waitFor();
    // Nothing the page loads is missing (the favicon included).
    expect(missing).toEqual([]);
    // The page says what it is for before a company is chosen, as the seed page does.
    await page
      .getByText('Manage provisioning tokens, sync status, and stale identity reconciliation.')
      .waitFor();
    expect(page.url()).toBe(`${base}/settings/scim`);
    await shot('no-company');
  });

  it('opens the company at once for an admin of one company', async () => {
    await page.evaluate('sessionStorage.clear()');
    // A new page load (only the fragment would differ, which does not reload the page).
    await page.goto('about:blank');
    await page.goto(cli('admin-token', '--company', 'acme', '--name', 'Acme Inc', '--url'));
    await page.getByText('Acting on').waitFor();
    expect(await page.getByLabel('Company').inputValue()).toBe('acme');
  });

  it('says when SSO is not configured, and links to the SSO page, where bad input is shown beside the field', async () => {
    await page.getByLabel('Company').selectOption('acme');
    await page.getByText('SSO is not configured for this company').waitFor();
    await page.getByText('Acting on').waitFor();
    // Reconcile is disabled, and says why, while SCIM is off.
    expect(await page.getByRole('button', { name: 'Reconcile' }).isDisabled()).toBe(true);
    await page
      .getByText('Reconcile is available once SSO is configured and SCIM is turned on.')
      .waitFor();
    await shot('scim-off');
    await page.getByRole('link', { name: 'Go to the SSO settings' }).click();
    await page.getByRole('heading', { name: 'Single sign-on' }).waitFor();
    await page.getByLabel('IdP entity ID').fill('http://www.okta.com/exk1');
    await page.getByLabel('IdP sign-on URL').fill('http://not-https.example.com');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('ssoUrl must be an https URL').waitFor();
    await page.getByLabel('IdP sign-on URL').fill('https://acme.okta.com/app/sso/saml');
    await page.getByLabel('Turn SCIM provisioning on').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('SSO settings saved').waitFor();
    await shot('sso');
  });

  it('creates a token shown once, copies it, then it is gone after reload; revoking makes SCIM refuse it', async () => {
    await page.getByRole('link', { name: 'SCIM' }).click();
    await page.getByRole('heading', { name: 'SCIM Provisioning' }).waitFor();
    await page.getByText('No tokens yet').waitFor();
    await shot('scim-empty');
    await page.getByLabel('Label').fill('Okta production');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('It will not be shown again').waitFor();
    await shot('token-created');
    await page.getByRole('button', { name: 'Copy Token' }).click();
    const token = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(token).toMatch(/^scimp_[0-9A-Za-z]{49}$/);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Reload' }).click();
    await page.getByRole('cell', { name: 'Okta production', exact: true }).waitFor();
    expect(await page.content()).not.toContain(token);
    const scim = (path: string) =>
      fetch(`${base}/api/scim/v2${path}`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await scim('/Users')).status).toBe(200);
    await page.getByRole('button', { name: 'Revoke Okta production' }).click();
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByText('Token "Okta production" revoked').waitFor();
    await page.locator('.badge.revoked').waitFor();
    expect((await scim('/Users')).status).toBe(401);
    await shot('token-revoked');
  });

  it('reconciles: shows the toast, then the updated counts', async () => {
    const token = await createTokenInConsole('Entra');
    const response = await fetch(`${base}/api/scim/v2/Users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'dana@acme.example',
        active: true,
      }),
    });
    expect(response.status).toBe(201);
    // Drift made outside SCIM: the admin API suspends the provisioned member.
    const admin = cli('admin-token', '--company', 'acme', '--name', 'Acme Inc');
    const members = (await (
      await fetch(`${base}/api/companies/acme/members`, {
        headers: { Authorization: `Bearer ${admin}` },
      })
    ).json()) as { items: { id: string }[] };
    await fetch(`${base}/api/companies/acme/members/${members.items[0].id}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'suspended' }),
    });
    await page.getByRole('button', { name: 'Reload' }).click();
    await page.getByTestId('stale').getByText('1').waitFor();
    await page.getByTestId('stale').getByRole('button').click();
    await page.getByText('Access removed outside SCIM').waitFor();
    await shot('stale-list');
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Reconcile' }).click();
    await page.getByText('Reconciliation finished: 1 fixed').waitFor();
    await page.getByTestId('stale').getByText('0').waitFor();
    expect(await page.getByTestId('managed').textContent()).toBe('1');
    await shot('reconciled');
  });

  it('shows a skipped group member id as a warning on the status card', async () => {
    const token = await createTokenInConsole('Warnings');
    const response = await fetch(`${base}/api/scim/v2/Groups`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Engineering',
        members: [{ value: 'fake-member-id' }],
      }),
    });
    expect(response.status).toBe(201);
    await page.getByRole('button', { name: 'Reload' }).click();
    await page
      .locator('[data-warning="unknown_group_members"]')
      .getByText('members: "fake-member-id" skipped')
      .waitFor();
  });

  it('scrolls nothing sideways at 390 px wide, with or without a company chosen', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const small = await phone.newPage();
      const overflow = () =>
        small.evaluate<number>(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        );
      await small.goto(await twoCompanyUrl());
      await small.getByText('Choose a company in the picker above').waitFor();
      expect(await overflow()).toBeLessThanOrEqual(0);
      await small.getByLabel('Company').selectOption('acme');
      await small.getByRole('cell', { name: 'Okta production', exact: true }).waitFor();
      expect(await overflow()).toBeLessThanOrEqual(0);
      await small.screenshot({ path: join(shots, 'phone.png'), fullPage: true });
      await small.getByRole('link', { name: 'SSO' }).click();
      await small.getByRole('heading', { name: 'Single sign-on' }).waitFor();
      expect(await overflow()).toBeLessThanOrEqual(0);
    } finally {
      await phone.close();
    }
  });

  it('shows API errors as readable messages', async () => {
    await page.getByLabel('Label').fill('x'.repeat(100));
    await page.evaluate("sessionStorage.setItem('scim-admin-token', 'not-a-jwt')");
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('The admin token is not valid').waitFor();
  });

  it('renders the API reference at /api/docs under the security headers, with every operation', async () => {
    // A page of its own: the console's page keeps the state the other cases build on.
    const reference = await context.newPage();
    const refused: string[] = [];
    reference.on('console', (message) => {
      if (message.type() === 'error') refused.push(message.text());
    });
    try {
      await reference.goto(`${base}/api/docs`);
      await reference.getByText('SCIM provisioning service: admin and platform API').waitFor();
      const document = (await (await fetch(`${base}/api/openapi.json`)).json()) as {
        paths: Record<string, object>;
      };
      const operations = Object.values(document.paths).flatMap((item) => Object.keys(item));
      await eventually(
        () => reference.locator('.opblock').count(),
        (count) => count === operations.length,
      );
      expect(refused).toEqual([]);
      await reference.screenshot({
        path: join(shots, 'api-reference.png'),
        fullPage: true,
      });
    } finally {
      await reference.close();
    }
  });

  describe('running provisioning: activity, members, access, reconciliation, audit, SSO', () => {
    let console_: Page;
    let scimToken: string;
    const admin = () => cli('admin-token', '--company', 'acme', '--name', 'Acme Inc');
    const adminApi = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}/api/companies/acme${path}`, {
        method,
        headers: { Authorization: `Bearer ${admin()}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return response.json() as Promise<Record<string, unknown>>;
    };
    const scim = (method: string, path: string, body?: unknown, requestId?: string) =>
      fetch(`${base}/api/scim/v2${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${scimToken}`,
          'Content-Type': 'application/scim+json',
          ...(requestId ? { 'X-Request-Id': requestId } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const user = (userName: string) => ({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName,
      active: true,
    });
    const patchActive = (active: boolean) => ({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: active }],
    });
    const tab = (name: string) =>
      console_.getByRole('navigation', { name: 'Provisioning' }).getByRole('link', { name });
    const overflow = (page: Page) =>
      page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );

    /** axe-core in the page (evaluated through the debugger, so the page's CSP still holds). */
    const accessibilityProblems = async (page: Page) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      await page.evaluate(require('axe-core').source as string);
      const violations = await page.evaluate<
        { id: string; impact: string; nodes: { target: string[] }[] }[]
      >(
        `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
      );
      return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    };

    beforeAll(async () => {
      console_ = await context.newPage();
      // A step that does not happen fails within the test's time, naming the step.
      console_.setDefaultTimeout(8_000);
      const created = (await adminApi('POST', '/scim/tokens', { label: 'Console views' })) as {
        token: string;
      };
      scimToken = created.token;
      await console_.goto(cli('admin-token', '--company', 'acme', '--name', 'Acme Inc', '--url'));
      await console_.getByText('Acting on').waitFor();
    });
    afterAll(() => console_?.close());

    it('Activity: what the IdP did, newest first, with failures a person can act on, filtered by outcome and person', async () => {
      const ana = (await (await scim('POST', '/Users', user('ana@acme.example'))).json()) as {
        id: string;
      };
      expect((await scim('PATCH', `/Users/${ana.id}`, patchActive(false))).status).toBe(200);
      expect(
        (await scim('POST', '/Users', user('ana@acme.example'), 'req-console-409')).status,
      ).toBe(409);
      await console_.getByRole('button', { name: 'Reload' }).click();
      // The status card's last sync error leads to the failures.
      await console_.getByRole('link', { name: 'See failures' }).click();
      await console_.getByRole('heading', { name: 'Activity', level: 1 }).waitFor();
      await console_.getByText('req-console-409').waitFor();
      expect(await console_.getByLabel('Outcome').inputValue()).toBe('failure');
      await console_.getByText('A user with this userName already exists').first().waitFor();
      await console_.getByLabel('Outcome').selectOption('');
      await console_.getByLabel('Person (email)').fill('ANA@acme.example');
      await console_.getByRole('button', { name: 'Apply filters' }).click();
      const rows = console_.locator('table.activity tbody tr');
      await rows.filter({ hasText: 'Deactivated' }).waitFor();
      // Other people's deactivations are on the unfiltered list too: wait for Ana's three.
      await eventually(
        () => rows.count(),
        (count) => count === 3,
      );
      await expect(rows.first().textContent()).resolves.toContain('Created');
      // Times in the browser's locale, the exact instant on hover.
      const time = rows.first().locator('time');
      expect(await time.getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(await accessibilityProblems(console_)).toEqual([]);
      await console_.screenshot({ path: join(shots, 'activity.png'), fullPage: true });
    });

    it('Members: searched by email, suspended and restored with confirmation, role changed', async () => {
      await tab('Members').click();
      await console_.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
      await console_.getByLabel('Email starts with').fill('dana');
      await console_.getByRole('button', { name: 'Search' }).click();
      const row = console_.getByRole('row').filter({ hasText: 'dana@acme.example' });
      await row.waitFor();
      // Dana is on the unfiltered first page too: wait for the search's answer to replace it.
      await eventually(
        () => console_.getByRole('row').count(),
        (rows) => rows === 2, // the header and Dana
      );
      await row.getByRole('button', { name: 'Suspend dana@acme.example' }).click();
      await console_.getByText('managed by SCIM').waitFor();
      await console_.getByRole('dialog').getByRole('button', { name: 'Suspend' }).click();
      await console_.getByText('dana@acme.example: suspended').waitFor();
      await row.locator('.badge.suspended').waitFor();
      await row.getByText('Access removed outside SCIM').waitFor();
      await row.getByRole('button', { name: 'Restore dana@acme.example' }).click();
      await console_.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
      await row.locator('.badge.active').waitFor();
      await row.getByRole('button', { name: 'Change the role of dana@acme.example' }).click();
      await console_.getByRole('dialog').getByLabel('Role').selectOption('admin');
      await console_.getByRole('dialog').getByRole('button', { name: 'Change role' }).click();
      await row.getByRole('cell', { name: 'admin', exact: true }).waitFor();
      expect(await accessibilityProblems(console_)).toEqual([]);
      await console_.screenshot({ path: join(shots, 'members.png'), fullPage: true });
    });

    it('Access: a mapping added by group name with suggestions, each change previewed with its consequence before saving', async () => {
      await tab('Access').click();
      await console_.getByRole('heading', { name: 'Group mappings' }).waitFor();
      await console_.getByLabel('SCIM group name').fill('Eng');
      await eventually(
        () =>
          console_
            .locator('#mapping-group-suggestions option')
            .evaluateAll((options) =>
              options.map((option) => (option as unknown as { value: string }).value),
            ),
        (values) => JSON.stringify(values) === JSON.stringify(['Engineering']),
      );
      await console_.getByLabel('SCIM group name').fill('Engineering');
      await console_.getByLabel('Role', { exact: true }).selectOption('admin');
      await console_.getByRole('button', { name: 'Preview and add' }).click();
      // The first mapping makes SCIM manage roles: Dana, made admin by hand above, goes back to
      // the default role. The preview says so before anything is saved.
      const first = console_.getByTestId('consequences');
      await first.getByText('This change changes the role of 1 member.').waitFor();
      await first.getByText('dana@acme.example: admin → member').waitFor();
      await console_.getByRole('button', { name: 'Save change' }).click();
      await console_.getByRole('cell', { name: 'Engineering', exact: true }).waitFor();
      // Requiring membership would suspend everyone outside Engineering: shown, then cancelled.
      await console_.getByLabel('Require group membership').check();
      await console_.getByRole('button', { name: 'Preview and save' }).click();
      const consequences = console_.getByTestId('consequences');
      await consequences.getByText(/^This change suspends \d+ members?\.$/).waitFor();
      await consequences.getByText('dana@acme.example: active → suspended').waitFor();
      expect(await accessibilityProblems(console_)).toEqual([]);
      await console_.screenshot({ path: join(shots, 'access-preview.png'), fullPage: true });
      await console_.getByRole('button', { name: 'Cancel' }).click();
      const policy = (await adminApi('GET', '/scim/access')) as { requireGroupMembership: boolean };
      expect(policy.requireGroupMembership).toBe(false);
      await console_.screenshot({ path: join(shots, 'access.png'), fullPage: true });
    });

    it('Reconciliation: Preview shows member by member what would change; Reconcile applies exactly it, or says it moved', async () => {
      const members = (await adminApi('GET', '/members?search=ana@')) as {
        items: { id: string }[];
      };
      // Ana is deactivated in the IdP; an admin restores her by hand: drift.
      await adminApi('PATCH', `/members/${members.items[0].id}`, { status: 'active' });
      await tab('Reconciliation').click();
      await console_.getByRole('button', { name: 'Preview', exact: true }).click();
      await console_.getByText('Reconcile would change 1 member.').waitFor();
      const change = console_.getByRole('row').filter({ hasText: 'ana@acme.example' });
      await change.getByText('Still has access, but the IdP deactivated').waitFor();
      await change.getByRole('cell', { name: 'suspended, member, managed' }).waitFor();
      expect(await accessibilityProblems(console_)).toEqual([]);
      await console_.screenshot({
        path: join(shots, 'reconciliation-preview.png'),
        fullPage: true,
      });
      // Something moves after the preview was shown: Reconcile refuses and shows the new plan.
      const dana = (await adminApi('GET', '/members?search=dana@')) as { items: { id: string }[] };
      await adminApi('PATCH', `/members/${dana.items[0].id}`, { status: 'suspended' });
      await console_.getByRole('button', { name: 'Reconcile these changes' }).click();
      await console_.getByRole('dialog').getByRole('button', { name: 'Reconcile' }).click();
      await console_.getByText(/moved since the preview/).waitFor();
      await console_.getByText('Reconcile would change 2 members.').waitFor();
      await console_.getByRole('button', { name: 'Reconcile these changes' }).click();
      await console_.getByRole('dialog').getByRole('button', { name: 'Reconcile' }).click();
      await console_.getByText('Reconciliation finished: 2 fixed').waitFor();
      await console_.getByText('Nothing to reconcile').waitFor();
      const history = console_.locator('#runs-title + table tbody tr');
      await history.first().getByRole('cell', { name: '2', exact: true }).first().waitFor();
      await history
        .first()
        .getByRole('button', { name: /^Changes of the run/ })
        .click();
      await console_
        .getByRole('dialog')
        .getByRole('cell', { name: 'ana@acme.example', exact: true })
        .waitFor();
      await console_.getByRole('button', { name: 'Close' }).click();
      await console_.getByLabel('Repair drift on every scheduled run').check();
      await console_.getByText('Reconciliation settings saved').waitFor();
      await console_.screenshot({ path: join(shots, 'reconciliation.png'), fullPage: true });
    });

    it('Audit log: who changed what, newest first, filtered by action', async () => {
      await tab('Audit log').click();
      await console_
        .getByRole('cell', { name: 'reconciliation_settings.updated' })
        .first()
        .waitFor();
      await console_.getByLabel('Action', { exact: true }).selectOption('group_mapping.created');
      await console_.getByRole('button', { name: 'Apply filter' }).click();
      // The unfiltered page shows that row too: wait for the filtered page itself.
      const rows = console_.locator('#audit-title + table tbody tr');
      await eventually(
        () => rows.count(),
        (count) => count === 1,
      );
      await rows.getByText('displayName: Engineering').waitFor();
      expect(await accessibilityProblems(console_)).toEqual([]);
      await console_.screenshot({ path: join(shots, 'audit.png'), fullPage: true });
    });

    it('SSO page: below the connection, a SCIM section that generates a token shown once, shows the endpoint, and deletes the configuration', async () => {
      const globex = await signGlobex();
      await console_.goto(`${base}/settings/sso#token=${globex}`);
      await console_.getByLabel('Company').selectOption('globex');
      await console_.getByRole('heading', { name: 'SCIM Provisioning' }).waitFor();
      await console_.getByText('Save an SSO connection with SCIM provisioning turned on').waitFor();
      await console_.getByLabel('IdP entity ID').fill('http://www.okta.com/globex');
      await console_.getByLabel('IdP sign-on URL').fill('https://globex.okta.com/app/sso/saml');
      await console_.getByLabel('Turn SCIM provisioning on').check();
      await console_.getByRole('button', { name: 'Save' }).click();
      await console_.getByRole('button', { name: 'Generate token' }).click();
      await console_.getByText('It will not be shown again').waitFor();
      await console_.getByRole('button', { name: 'Copy Token' }).click();
      const token = await console_.evaluate<string>('navigator.clipboard.readText()');
      expect(token).toMatch(/^scimp_/);
      await console_.getByRole('button', { name: 'Close' }).click();
      const section = console_.locator('section', {
        has: console_.getByRole('heading', { name: 'SCIM Provisioning' }),
      });
      await section.getByText('Token created').waitFor();
      await section.getByText(`${base}/api/scim/v2`).waitFor();
      expect(await console_.content()).not.toContain(token);
      expect(await accessibilityProblems(console_)).toEqual([]);
      await console_.screenshot({ path: join(shots, 'sso-scim.png'), fullPage: true });
      await section.getByRole('button', { name: 'Delete configuration' }).click();
      await console_
        .getByRole('dialog')
        .getByRole('button', { name: 'Delete configuration' })
        .click();
      await console_.getByText(/SCIM configuration deleted \(1 tokens revoked\)/).waitFor();
      const refused = await fetch(`${base}/api/scim/v2/Users`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(refused.status).toBe(401);
    });

    it('pages a company of 100,000 members without rendering them all', async () => {
      // The company exists from its first use by an admin (CONTRACT.md).
      const initechAdmin = cli('admin-token', '--company', 'initech', '--name', 'Initech');
      await fetch(`${base}/api/companies/initech/scim/status`, {
        headers: { Authorization: `Bearer ${initechAdmin}` },
      });
      // 100,000 members written in one statement beside the running service (WAL: readers
      // meanwhile), people who came in by invitation.
      const database = new Sqlite(join(dataDir, 'scim.sqlite'));
      try {
        database.pragma('busy_timeout = 10000');
        database
          .prepare(
            `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
             INSERT INTO "members" ("id", "companyId", "email", "emailKey", "role", "status",
                                    "source", "managed", "scimUserId", "createdAt", "updatedAt")
             SELECT printf('01900000-0000-7000-8000-%012d', i), 'initech',
                    printf('person%06d@initech.example', i), printf('person%06d@initech.example', i),
                    'member', 'active', 'manual', 0, NULL, ?, ? FROM n`,
          )
          .run(Date.now(), Date.now());
      } finally {
        database.close();
      }
      const initech = cli('admin-token', '--company', 'initech', '--name', 'Initech', '--url');
      await console_.goto(initech.replace('/settings/scim#', '/settings/scim/members#'));
      await console_.getByText('100,000 members').waitFor({ timeout: 20_000 });
      const rows = console_.locator('#members-title ~ table tbody tr');
      expect(await rows.count()).toBe(50);
      const first = await rows.first().textContent();
      await console_.getByRole('button', { name: 'Next' }).click();
      await eventually(
        () => rows.first().textContent(),
        (text) => text !== first,
      );
      expect(await rows.count()).toBe(50);
      await console_.getByRole('button', { name: 'Previous' }).click();
      await eventually(
        () => rows.first().textContent(),
        (text) => text === first,
      );
    }, 120_000);

    it('works by keyboard with a visible focus, and at 390 px wide, on every view', async () => {
      await console_.goto(cli('admin-token', '--company', 'acme', '--name', 'Acme Inc', '--url'));
      await console_.getByText('Acting on').waitFor();
      // Tab to the Members tab and open it with Enter.
      for (let i = 0; i < 30; i++) {
        await console_.keyboard.press('Tab');
        if ((await console_.evaluate<string>('document.activeElement.textContent')) === 'Members')
          break;
      }
      const outline = await console_.evaluate<string>(
        'getComputedStyle(document.activeElement).outlineStyle',
      );
      expect(outline).not.toBe('none');
      await console_.keyboard.press('Enter');
      await console_.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
      // Suspend by keyboard: the dialog takes focus; Escape closes it without a change.
      await console_.getByRole('button', { name: 'Suspend dana@acme.example' }).focus();
      await console_.keyboard.press('Enter');
      await console_.getByRole('dialog').waitFor();
      await console_.keyboard.press('Escape');
      await console_.getByRole('dialog').waitFor({ state: 'hidden' });
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
      try {
        const small = await phone.newPage();
        await small.goto(cli('admin-token', '--company', 'acme', '--name', 'Acme Inc', '--url'));
        await small.getByText('Acting on').waitFor();
        for (const [view, heading] of [
          ['', 'SCIM Sync Status'],
          ['/activity', 'Requests'],
          ['/members', 'Members'],
          ['/access', 'Group mappings'],
          ['/reconciliation', 'History'],
          ['/audit', 'Admin actions'],
        ]) {
          await small.evaluate(
            `history.pushState(null, '', '/settings/scim${view}'); dispatchEvent(new PopStateEvent('popstate'))`,
          );
          await small.getByRole('heading', { name: heading, level: 2 }).waitFor();
          // Every section of the view has loaded (the reconciliation view has two at once).
          await eventually(
            () => small.locator('.empty[role=status]', { hasText: 'Loading…' }).count(),
            (loading) => loading === 0,
          );
          expect(await overflow(small)).toBeLessThanOrEqual(0);
          expect(await accessibilityProblems(small)).toEqual([]);
          if (view === '/members')
            await small.screenshot({ path: join(shots, 'phone-members.png'), fullPage: true });
        }
      } finally {
        await phone.close();
      }
    });
  });

  /** Waits until `read` answers something `done` accepts (up to 10 s), or fails with the last. */
  const eventually = async <T>(read: () => Promise<T>, done: (value: T) => boolean) => {
    let value = await read();
    for (let i = 0; i < 100 && !done(value); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      value = await read();
    }
    expect(done(value) ? 'as expected' : value).toBe('as expected');
  };

  /** An admin JWT naming Globex only (and Acme), signed as the platform would. */
  const signGlobex = async () => {
    const secret = readFileSync(join(dataDir, 'admin-jwt-secret'), 'utf8').trim();
    return signAdminJwt(
      new TextEncoder().encode(secret),
      {
        sub: 'globex-admin',
        email: 'admin@globex.example',
        companies: [
          { id: 'acme', name: 'Acme Inc', role: 'owner' },
          { id: 'globex', name: 'Globex', role: 'owner' },
        ],
      },
      600,
    );
  };
});
