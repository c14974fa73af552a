import { Client } from 'pg';
import { DatabaseConfig } from '../config/app-config';

/** A start-up failure that is told in one line, with nothing else to add. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Errors that can heal while we wait (the database is starting, the network comes up). */
const HEALABLE = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P03', // the database system is starting up
  '53300', // too many connections
]);

/** `host:port` of a PostgreSQL URL: never the user's password. */
export function postgresAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}`;
  } catch {
    return 'the DATABASE_URL host';
  }
}

/** One line for a connection error: what failed and why, as PostgreSQL or the OS says it. */
export function describeConnectionError(address: string, error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot reach PostgreSQL at ${address}: connection refused`;
    case 'ETIMEDOUT':
      return `cannot reach PostgreSQL at ${address}: connection timed out`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach PostgreSQL at ${address}: host not found`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot reach PostgreSQL at ${address}: no route to host`;
    default:
      // PostgreSQL's own messages are one line: `database "x" does not exist`,
      // `password authentication failed for user "y"`, `role "z" does not exist`.
      return `PostgreSQL at ${address}: ${(message ?? String(error)).split('\n')[0]}`;
  }
}

/**
 * Checks that PostgreSQL accepts a connection before the service starts, so that a wrong
 * DATABASE_URL is one clear line instead of a framework's retries and stack traces. Retries
 * only what can heal (refused, timed out, starting up), each attempt one line; a database or
 * role that does not exist or a wrong password stops at once.
 */
export async function checkDatabase(
  database: DatabaseConfig,
  report: (line: string) => void,
  options: { attempts?: number; delayMs?: number } = {},
): Promise<void> {
  if (database.type !== 'postgres') return;
  const attempts = options.attempts ?? 10;
  const delayMs = options.delayMs ?? 2_000;
  const address = postgresAddress(database.url);
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ connectionString: database.url, connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      const line = describeConnectionError(address, error);
      const code = (error as { code?: string }).code ?? '';
      const healable = HEALABLE.has(code) || /timeout/i.test(String(error));
      if (!healable || attempt >= attempts) {
        throw new StartupError(healable ? `${line} (gave up after ${attempt} attempts)` : line);
      }
      report(`${line} (attempt ${attempt} of ${attempts}; retrying in ${delayMs / 1000} s)`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
