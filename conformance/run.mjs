// Runs the public SCIM conformance suites in ../shared/conformance against the built service:
// the Entra reference Postman collection (newman) and Okta's Runscope test (its runner).
// Each suite gets a fresh company and token, so the store is empty as the suites expect.
// Assertions listed in expected-failures.json (each with its reason) are deliberate
// deviations; any other failure fails the run.
//
// usage: node conformance/run.mjs [--database-url postgres://...] [--json results.json]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const suites = resolve(root, '..', 'shared', 'conformance');
const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const databaseUrl = option('--database-url');
const jsonOut = option('--json');
const expected = JSON.parse(
  readFileSync(join(root, 'conformance', 'expected-failures.json'), 'utf8'),
);

const freePort = () =>
  new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });

const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'scim-conformance-'));
const base = `http://127.0.0.1:${port}`;
const env = {
  ...process.env,
  PORT: String(port),
  PUBLIC_URL: base,
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '' }),
};
const entry = join(root, 'dist', 'apps', 'scim-server', 'apps', 'scim-server', 'src', 'main.js');
if (!existsSync(entry)) throw new Error('Build first: npm run build');
const server = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const stop = () => {
  server.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
};

async function waitReady() {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      /* not yet listening */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the service did not become ready');
}

async function call(method, path, token, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A company with SSO, SCIM on and a token, through the admin API as an admin would. */
async function freshCompany(name) {
  const companyId = `conformance-${name}-${Date.now()}`;
  const admin = execFileSync(
    process.execPath,
    [join(root, 'scripts', 'cli.js'), 'admin-token', '--company', companyId],
    {
      env,
      encoding: 'utf8',
    },
  ).trim();
  await call('PUT', `/api/companies/${companyId}/sso`, admin, {
    protocol: 'saml',
    entityId: 'https://idp.example.com/entity',
    ssoUrl: 'https://idp.example.com/sso',
    scimEnabled: true,
  });
  const { token } = await call('POST', `/api/companies/${companyId}/scim/tokens`, admin, {
    label: name,
  });
  return token;
}

function run(command, commandArgs) {
  return new Promise((done) => {
    const child = spawn(command, commandArgs, {
      cwd: suites,
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('close', (code) => done({ code, output }));
  });
}

const results = [];
const record = (suite, name, ok) => results.push({ suite, name, ok });

try {
  await waitReady();

  // Entra reference collection (newman): every assertion of every request, from its JSON report.
  const entraToken = await freshCompany('entra');
  const report = join(dataDir, 'newman.json');
  const folders = [
    'Endpoint tests',
    'User tests',
    'Group tests',
    'ComplexAttribute tests',
    'User tests with garbage',
    'Group tests with garbage',
    'Teardown garbage',
  ];
  await run(join(root, 'node_modules', '.bin', 'newman'), [
    'run',
    'entra-scim-reference.postman_collection.json',
    '--env-var',
    'Protocol=http',
    '--env-var',
    'Server=127.0.0.1',
    '--env-var',
    `Port=:${port}`,
    '--env-var',
    'Api=api/scim/v2',
    '--env-var',
    `token=${entraToken}`,
    ...folders.flatMap((folder) => ['--folder', folder]),
    '--reporters',
    'cli,json',
    '--reporter-json-export',
    report,
    '--reporter-cli-no-banner',
    '--reporter-cli-no-summary',
  ]);
  const newman = JSON.parse(readFileSync(report, 'utf8'));
  for (const execution of newman.run.executions) {
    const request = execution.item.name;
    for (const assertion of execution.assertions ?? []) {
      record('entra', `${request} :: ${assertion.assertion}`, !assertion.error);
    }
  }

  // Okta's Runscope test: it wants one user with name and emails already provisioned.
  const oktaToken = await freshCompany('okta');
  await call('POST', '/api/scim/v2/Users', oktaToken, {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'existing.person@example.com',
    name: { givenName: 'Existing', familyName: 'Person' },
    emails: [{ value: 'existing.person@example.com', type: 'work', primary: true }],
    active: true,
  });
  const okta = await run(process.execPath, [
    join(suites, 'run-runscope.mjs'),
    'okta-scim-spec-test.runscope.json',
    `${base}/api/scim/v2`,
    oktaToken,
  ]);
  let step = '';
  for (const line of okta.output.split('\n')) {
    const request = /^(ok {2}|FAIL) \d+ \w+ (.*)$/.exec(line);
    if (request) {
      step = request[2].trim();
      continue;
    }
    const failure = /^\s\sFAIL (.*) \(actual=/.exec(line);
    if (failure) record('okta', `${step} :: ${failure[1].trim()}`, false);
  }
  const totals = /(\d+) passed, (\d+) failed/.exec(okta.output);
  const oktaFailed = results.filter((r) => r.suite === 'okta').length;
  for (let i = 0; i < Number(totals?.[1] ?? 0); i++)
    record('okta', `passed assertion ${i + 1}`, true);
  if (!totals || Number(totals[2]) !== oktaFailed)
    record('okta', 'runner output could not be read', false);
} finally {
  stop();
}

const deviations = new Map(expected.map((entry) => [`${entry.suite}::${entry.assertion}`, entry]));
const unexpected = results.filter((r) => !r.ok && !deviations.has(`${r.suite}::${r.name}`));
const deliberate = results.filter((r) => !r.ok && deviations.has(`${r.suite}::${r.name}`));
const fixed = expected.filter(
  (entry) =>
    !results.some((r) => !r.ok && `${r.suite}::${r.name}` === `${entry.suite}::${entry.assertion}`),
);
const passed = results.filter((r) => r.ok).length;

console.log(
  `\nconformance (${databaseUrl ? 'PostgreSQL' : 'SQLite'}): ${passed} assertions passed, ${deliberate.length} deliberate deviations, ${unexpected.length} unexpected failures`,
);
for (const r of deliberate)
  console.log(
    `  deviation: [${r.suite}] ${r.name} (${deviations.get(`${r.suite}::${r.name}`).reason})`,
  );
for (const r of unexpected) console.log(`  UNEXPECTED: [${r.suite}] ${r.name}`);
for (const entry of fixed)
  console.log(
    `  no longer failing (remove from expected-failures.json): [${entry.suite}] ${entry.assertion}`,
  );
if (jsonOut)
  writeFileSync(
    jsonOut,
    JSON.stringify({
      passed,
      failed: unexpected.length + fixed.length,
      deviations: deliberate.length,
    }),
  );
process.exitCode = unexpected.length || fixed.length ? 1 : 0;
