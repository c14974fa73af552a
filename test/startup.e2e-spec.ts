import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnService } from './support/server-process';

/** Runs main.ts as `npm start` would, until it exits or `stopWhen` sees enough output. */
function start(env: Record<string, string>, stopWhen?: (output: string) => boolean) {
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-startup-'));
  const child = spawnService({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (stopWhen?.(output)) child.kill('SIGKILL');
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return new Promise<{ code: number | null; lines: string[] }>((resolve) =>
    child.once('exit', (code) => {
      rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, lines: output.split('\n').filter((line) => line.trim() !== '') });
    }),
  );
}

/** Start-up failures are one clear line each, and the process exits non-zero (issue 14). */
describe('start-up failures', () => {
  it('retries an unreachable PostgreSQL with one line per attempt, no stack trace', async () => {
    const { lines } = await start(
      { DATABASE_URL: 'postgres://scim:secret-password@127.0.0.1:1/scim' },
      (output) => (output.match(/attempt \d+ of/g) ?? []).length >= 2,
    );
    const attempts = lines.filter((line) => line.includes('attempt'));
    expect(attempts[0]).toBe(
      'cannot reach PostgreSQL at 127.0.0.1:1: connection refused (attempt 1 of 10; retrying in 2 s)',
    );
    expect(lines.join('\n')).not.toContain('secret-password');
    expect(lines.join('\n')).not.toMatch(/\n\s+at /);
  }, 60_000);

  (process.env.DATABASE_URL ? it : it.skip)(
    'stops at once, in one line, for a database that does not exist',
    async () => {
      const url = new URL(process.env.DATABASE_URL!);
      url.pathname = '/scim_database_that_does_not_exist';
      const started = Date.now();
      const { code, lines } = await start({ DATABASE_URL: url.toString() });
      expect(code).toBe(1);
      expect(lines).toEqual([
        `PostgreSQL at ${url.hostname}:${url.port || '5432'}: database "scim_database_that_does_not_exist" does not exist`,
      ]);
      expect(Date.now() - started).toBeLessThan(30_000);
    },
    60_000,
  );

  it('names the port in one line when it is in use', async () => {
    const port = await freePort();
    const holder: Server = createServer().listen(port, '0.0.0.0');
    try {
      const { code, lines } = await start({ PORT: String(port), DATABASE_URL: '' });
      expect(code).toBe(1);
      expect(lines[lines.length - 1]).toBe(
        `cannot listen on port ${port}: address already in use (another process has it; set PORT to another port)`,
      );
      expect(lines.join('\n')).not.toMatch(/\n\s+at /);
    } finally {
      holder.close();
    }
  }, 60_000);

  it('never echoes a secret in a configuration error', async () => {
    const { code, lines } = await start({
      NODE_ENV: 'production',
      ADMIN_JWT_SECRET: 'short-secret-value',
    });
    expect(code).toBe(1);
    expect(lines).toEqual([
      'Invalid configuration: ADMIN_JWT_SECRET must be at least 32 characters (256 bits for HS256)',
    ]);
  }, 60_000);
});
