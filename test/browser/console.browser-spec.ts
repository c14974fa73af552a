import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
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
      await expect(reference.locator('.opblock').count()).resolves.toBe(operations.length);
      expect(refused).toEqual([]);
      await reference.screenshot({
        path: join(shots, 'api-reference.png'),
        fullPage: true,
      });
    } finally {
      await reference.close();
    }
  });
});
