import { Command, InvalidArgumentError, Option } from 'commander';
import {
  ConfigError,
  CompanyRole,
  COMPANY_ID_PATTERN,
  COMPANY_ROLES,
  asCompanyId,
  loadConfig,
  signAdminJwt,
} from '@app/common';
import { AuditService } from '@app/audit';
import { CompaniesService } from '@app/directory';
import { PlatformKeysService } from '@app/events';
import { ReconciliationService, StatusService } from '@app/reconciliation';
import { tokenView, TokensService } from '@app/tokens';
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

/** Prints `value` as JSON, or as the lines `human` makes of it. */
function print<T>(value: T, json: boolean | undefined, human: (value: T) => string[]): void {
  if (json) console.log(JSON.stringify(value, null, 2));
  else for (const line of human(value)) console.log(line);
}

program
  .command('companies')
  .description('List the companies this service knows, with their SSO and SCIM state')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const companies = await withServices(loadConfig(), (context) =>
      context.get(CompaniesService).listWithScimState(),
    );
    print(companies, options.json, (list) =>
      list.length === 0
        ? ["No companies yet (a company exists here from its admin's first request)"]
        : list.map((company) =>
            [
              company.id,
              company.scimEnabled ? 'SCIM on ' : company.ssoConfigured ? 'SCIM off' : 'no SSO  ',
              company.name,
            ].join('  '),
          ),
    );
  });

const tokens = program
  .command('tokens')
  .description("A company's provisioning tokens (never their secrets)");

tokens
  .command('list')
  .description("List a company's tokens")
  .requiredOption('--company <id>', 'the company', companyId)
  .option('--json', 'print JSON')
  .action(async (options: { company: string; json?: boolean }) => {
    const list = await withServices(loadConfig(), async (context) =>
      (await context.get(TokensService).list(asCompanyId(options.company))).map(tokenView),
    );
    print(list, options.json, (rows) =>
      rows.length === 0
        ? [`No tokens for ${options.company}`]
        : rows.map((token) =>
            [
              token.id,
              token.status.padEnd(7),
              token.prefix,
              token.label,
              `last used ${token.lastUsedAt ?? 'never'}`,
            ].join('  '),
          ),
    );
  });

tokens
  .command('revoke')
  .description('Revoke a token at once (the next SCIM request with it is refused)')
  .requiredOption('--company <id>', 'the company', companyId)
  .argument('<tokenId>', 'the token id (tokens list)')
  .option('--json', 'print the revoked token as JSON')
  .action(async (tokenId: string, options: { company: string; json?: boolean }) => {
    const company = asCompanyId(options.company);
    const token = await withServices(loadConfig(), async (context) => {
      const revoked = tokenView(
        await context
          .get(TokensService)
          .revoke(company, tokenId, OPERATOR, { kind: 'admin', adminId: OPERATOR }),
      );
      await context.get(AuditService).record({
        companyId: company,
        action: 'scim_token.revoked',
        actorId: OPERATOR,
        targetId: tokenId,
      });
      return revoked;
    });
    print(token, options.json, (revoked) => [`Revoked ${revoked.id} (${revoked.label})`]);
  });

program
  .command('reconcile')
  .description('Run a reconciliation of a company now and print its outcome')
  .requiredOption('--company <id>', 'the company', companyId)
  .option('--detect', 'only count what is stale; change nothing')
  .option('--json', 'print the run as JSON')
  .action(async (options: { company: string; detect?: boolean; json?: boolean }) => {
    const company = asCompanyId(options.company);
    const mode = options.detect ? 'detect' : 'repair';
    const run = await withServices(loadConfig(), async (context) => {
      const finished = await context
        .get(ReconciliationService)
        .run(company, 'manual', mode, OPERATOR);
      await context.get(AuditService).record({
        companyId: company,
        action: 'reconciliation.started',
        actorId: OPERATOR,
        targetId: finished.id,
        details: { mode },
      });
      return finished;
    });
    print(run, options.json, (r) => [
      `Reconciliation ${r.id} ${r.status} (${r.mode}): ${r.staleFound} stale found, ${r.fixed} fixed${r.error ? `; ${r.error}` : ''}`,
    ]);
    if (run.status === 'failed') process.exitCode = 1;
  });

program
  .command('status')
  .description("Show a company's sync status card")
  .requiredOption('--company <id>', 'the company', companyId)
  .option('--json', 'print JSON')
  .action(async (options: { company: string; json?: boolean }) => {
    const card = await withServices(loadConfig(), (context) =>
      context.get(StatusService).status(asCompanyId(options.company)),
    );
    print(card, options.json, (c) => [
      `status             ${c.status}`,
      `SSO configured     ${c.ssoConfigured ? 'yes' : 'no'}; SCIM ${c.enabled ? 'on' : 'off'}`,
      `endpoint URL       ${c.endpointUrl}`,
      `last sync          ${c.lastSyncAt ?? 'never'}`,
      `last sync error    ${c.lastSyncError ? JSON.stringify(c.lastSyncError) : 'none'}`,
      `managed members    ${c.managedMemberships} (${c.staleMemberships} stale)`,
      `last reconcile     ${c.lastReconciliation ? `${c.lastReconciliation.status} at ${c.lastReconciliation.finishedAt ?? c.lastReconciliation.startedAt}` : 'never'}`,
    ]);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`Invalid configuration: ${error.message}`);
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
