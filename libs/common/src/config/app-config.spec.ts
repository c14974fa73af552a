import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_JWT_SECRET_FILE, ConfigError, loadConfig } from './app-config';

const dataDir = () => mkdtempSync(join(tmpdir(), 'scim-config-'));

function refusal(env: Record<string, string>): string {
  try {
    loadConfig({ DATA_DIR: dataDir(), ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.scimEndpointUrl).toBe('http://localhost:3000/api/scim/v2');
    expect(config.database).toEqual({ type: 'sqlite', path: join(dir, 'scim.sqlite') });
    expect(config.reconcileCron).toBe('0 */15 * * * *');
  });

  it('derives PUBLIC_URL from PORT and drops a trailing slash', () => {
    expect(loadConfig({ DATA_DIR: dataDir(), PORT: '8080' }).publicUrl).toBe(
      'http://localhost:8080',
    );
    expect(
      loadConfig({ DATA_DIR: dataDir(), PUBLIC_URL: 'https://scim.example.com/' }).publicUrl,
    ).toBe('https://scim.example.com');
  });

  it('switches to PostgreSQL with a pool when DATABASE_URL is set', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), DATABASE_URL: 'postgres://u@db:5432/scim' });
    expect(config.database).toEqual({
      type: 'postgres',
      url: 'postgres://u@db:5432/scim',
      poolSize: 10,
      statementTimeoutMs: 10_000,
    });
  });

  it('never echoes a secret in a refusal', () => {
    expect(refusal({ ADMIN_JWT_SECRET: 'short' })).toBe(
      'ADMIN_JWT_SECRET must be at least 32 characters (256 bits for HS256)',
    );
    expect(refusal({ DATABASE_URL: 'mysql://user:hunter2@db/x' })).not.toContain('hunter2');
    expect(refusal({ HTTP_HEADERS_TIMEOUT_MS: '5' })).toBe(
      'HTTP_HEADERS_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000 (got "5")',
    );
  });

  it('refuses bad values with one line naming the variable', () => {
    expect(refusal({ PORT: 'abc' })).toBe(
      'PORT must be an integer between 0 and 65535 (got "abc")',
    );
    expect(refusal({ PORT: '70000' })).toMatch(/^PORT must be/);
    expect(refusal({ PUBLIC_URL: 'scim.example.com' })).toMatch(
      /^PUBLIC_URL must be an http\(s\) URL/,
    );
    expect(refusal({ DATABASE_URL: 'mysql://x' })).toMatch(
      /^DATABASE_URL must be a postgres:\/\/ URL/,
    );
    expect(refusal({ ADMIN_JWT_SECRET: 'short' })).toMatch(
      /^ADMIN_JWT_SECRET must be at least 32 characters/,
    );
    expect(refusal({ RECONCILE_CRON: 'every day' })).toMatch(
      /^RECONCILE_CRON must be a cron expression/,
    );
    expect(refusal({ NODE_ENV: 'staging' })).toMatch(/^NODE_ENV/);
    for (const message of [refusal({ PORT: 'x' }), refusal({ LOG_LEVEL: 'loud' })]) {
      expect(message).not.toContain('\n');
    }
  });

  it('requires ADMIN_JWT_SECRET in production', () => {
    expect(refusal({ NODE_ENV: 'production' })).toMatch(
      /^ADMIN_JWT_SECRET is required when NODE_ENV=production/,
    );
    const secret = 's'.repeat(40);
    expect(
      loadConfig({ DATA_DIR: dataDir(), NODE_ENV: 'production', ADMIN_JWT_SECRET: secret })
        .adminJwtSecret,
    ).toBe(secret);
  });

  it('makes an admin JWT secret once, keeps it in DATA_DIR readable by its owner alone, and reuses it', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir }).adminJwtSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    const file = join(dir, ADMIN_JWT_SECRET_FILE);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dir }).adminJwtSecret).toBe(first);
  });
});
