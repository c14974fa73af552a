import { Command, InvalidArgumentError, Option } from 'commander';
import {
  ConfigError,
  CompanyRole,
  COMPANY_ID_PATTERN,
  COMPANY_ROLES,
  loadConfig,
  signAdminJwt,
} from '@app/common';
import { PlatformKeysService } from '@app/events';
import { withServices } from './cli.module';

/** Parses durations such as 90s, 30m, 1h, 7d. */
export function parseTtl(value: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('use a duration such as 30m, 1h or 7d');
  const seconds =
    Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  if (seconds <= 0 || seconds > 30 * 86400)
    throw new InvalidArgumentError('must be between 1s and 30d');
  return seconds;
}

function companyId(value: string): string {
  if (!COMPANY_ID_PATTERN.test(value)) {
    throw new InvalidArgumentError('use 1 to 64 letters, digits, "_", ".", ":" or "-"');
  }
  return value;
}

const program = new Command('cli')
  .description("The SCIM provisioning service's operator command line")
  .showHelpAfterError();

program
  .command('admin-token')
  .description(
    'Print an admin JWT signed with the configured ADMIN_JWT_SECRET, to use the admin API (or, with --url, the admin console) locally',
  )
  .requiredOption('--company <id>', 'the company the token may manage', companyId)
  .option('--name <name>', 'the company display name (defaults to the id)')
  .addOption(
    new Option('--role <role>', 'the role in that company').choices(COMPANY_ROLES).default('admin'),
  )
  .option(
    '--ttl <duration>',
    'how long the token is valid: 30m, 1h, 8h, at most ADMIN_JWT_MAX_TTL (default: 1h)',
    parseTtl,
  )
  .option('--sub <id>', 'the admin user id (sub claim)', 'local-admin')
  .option('--email <email>', 'the admin email claim', 'admin@localhost')
  .option(
    '--url',
    'print {PUBLIC_URL}/settings/scim#token=<jwt>, which opens the console signed in',
  )
  .action(
    async (options: {
      company: string;
      name?: string;
      role: CompanyRole;
      ttl?: number;
      sub: string;
      email: string;
      url?: boolean;
    }) => {
      const config = loadConfig();
      const ttl = options.ttl ?? 3600;
      if (ttl > config.adminJwtMaxTtlSeconds) {
        throw new InvalidArgumentError(
          `--ttl is longer than ADMIN_JWT_MAX_TTL (${config.adminJwtMaxTtlSeconds} s), so the service would refuse the token`,
        );
      }
      const jwt = await signAdminJwt(
        new TextEncoder().encode(config.adminJwtSecret),
        {
          sub: options.sub,
          email: options.email,
          companies: [
            { id: options.company, name: options.name ?? options.company, role: options.role },
          ],
        },
        ttl,
        { issuer: config.adminJwtIssuer, audience: config.adminJwtAudience },
      );
      // The token goes in the fragment, which browsers never send to a server or write to its logs.
      console.log(options.url ? `${config.publicUrl}/settings/scim#token=${jwt}` : jwt);
    },
  );

/** Who acts on the command line, as the audit log records it. */
const OPERATOR = `cli:${process.env.USER ?? 'operator'}`;

function label(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length < 1 || trimmed.length > 100) {
    throw new InvalidArgumentError('use 1 to 100 characters');
  }
  return trimmed;
}

const platformKey = program
  .command('platform-key')
  .description(
    "Platform credentials: what the platform's own backend presents on /api/platform/* (every company's events, webhook endpoints)",
  );

platformKey
  .command('create')
  .description('Mint a platform key and print it once (only its hash is kept)')
  .requiredOption('--label <label>', 'what uses the key, e.g. "session service"', label)
  .option('--json', 'print the key and its record as JSON')
  .action(async (options: { label: string; json?: boolean }) => {
    const created = await withServices(loadConfig(), (context) =>
      context.get(PlatformKeysService).create(options.label, OPERATOR),
    );
    if (options.json) {
      console.log(JSON.stringify(created, null, 2));
      return;
    }
    console.error(
      `Platform key ${created.id} (${created.label}). It is shown once: store it now. Revoke: npm run cli -- platform-key revoke ${created.id}`,
    );
    console.log(created.key);
  });

platformKey
  .command('list')
  .description('List platform keys (never their secrets)')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const keys = await withServices(loadConfig(), (context) =>
      context.get(PlatformKeysService).list(),
    );
    if (options.json) {
      console.log(JSON.stringify(keys, null, 2));
      return;
    }
    if (keys.length === 0)
      console.error('No platform keys (create one: platform-key create --label <label>)');
    for (const key of keys) {
      console.log(
        [
          key.id,
          key.status.padEnd(7),
          key.prefix,
          key.label,
          `last used ${key.lastUsedAt ?? 'never'}`,
        ].join('  '),
      );
    }
  });

platformKey
  .command('revoke')
  .description('Revoke a platform key at once')
  .argument('<id>', 'the key id (platform-key list)')
  .option('--json', 'print the revoked key as JSON')
  .action(async (id: string, options: { json?: boolean }) => {
    const key = await withServices(loadConfig(), (context) =>
      context.get(PlatformKeysService).revoke(id, OPERATOR),
    );
    console.log(options.json ? JSON.stringify(key, null, 2) : `Revoked ${key.id} (${key.label})`);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`Invalid configuration: ${error.message}`);
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
