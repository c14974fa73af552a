import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { newCompanyId } from './factories/company.factory';
import { createTestApp, TestApp } from './support/test-app';

const root = join(__dirname, '..');

describe('npm run cli -- admin-token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const cli = (...args: string[]) =>
    execFileSync(process.execPath, [join(root, 'scripts', 'cli.js'), ...args], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: t.dataDir,
        PUBLIC_URL: 'https://scim.test',
        DATABASE_URL: '',
      },
      encoding: 'utf8',
    }).trim();

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
