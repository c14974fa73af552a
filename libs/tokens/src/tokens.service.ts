import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import {
  CHECK_COLUMN_PREFIX,
  CompanyId,
  EventCause,
  isReadBeforeBegin,
  rawQuery,
  readBeforeBegin,
  StatementText,
  transactionWithCause,
} from '@app/common';
import { SsoService, SSO_REQUIRED_MESSAGE } from '@app/directory';
import { recordEvent } from '@app/events';
import { CreateTokenDto } from './dto/create-token.dto';
import { ScimTokenEntity, tokenStatus } from './scim-token.entity';
import { generateToken, hashesEqual, hashToken, isWellFormedToken } from './token-secret';

/** `lastUsedAt` is written at most this often per token, not on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export type TokenAuthentication =
  | { ok: true; companyId: CompanyId; tokenId: string }
  | { ok: false; status: 401 | 403; detail: string };

/** A token's fixed facts: its id, and the company it is for. */
export interface KnownToken {
  companyId: CompanyId;
  tokenId: string;
}

/** How many tokens an instance remembers (knownToken): a few bytes each. */
const MAX_KNOWN_TOKENS = 10_000;

/** A token's row as authentication reads it: the token, and its company's SCIM switch. */
interface TokenRow {
  id: string;
  companyId: CompanyId;
  secretHash: string;
  revokedAt: string | number | null;
  expiresAt: string | number | null;
  lastUsedAt: string | number | null;
  ssoCompanyId: string | null;
  scimEnabled: boolean | number | null;
}
/** Each column of a TokenRow, and what it is read from. */
const TOKEN_ROW_SOURCES: [keyof TokenRow, string][] = [
  ['id', 't."id"'],
  ['companyId', 't."companyId"'],
  ['secretHash', 't."secretHash"'],
  ['revokedAt', 't."revokedAt"'],
  ['expiresAt', 't."expiresAt"'],
  ['lastUsedAt', 't."lastUsedAt"'],
  ['ssoCompanyId', 's."companyId"'],
  ['scimEnabled', 's."scimEnabled"'],
];
/** The token columns, named `${prefix}${column}` (a read beside them has its own `id`). */
const tokenColumns = (prefix: string) =>
  TOKEN_ROW_SOURCES.map(([column, source]) => `${source} AS "${prefix}${column}"`).join(', ');
const AUTHENTICATE_FROM = `"scim_tokens" t LEFT JOIN "sso_connections" s ON s."companyId" = t."companyId"`;

/** The token's columns of a row read beside a read (readAsToken). */
function tokenRowOf(row: Record<string, unknown>): TokenRow {
  return Object.fromEntries(
    TOKEN_ROW_SOURCES.map(([column]) => [column, row[`${CHECK_COLUMN_PREFIX}${column}`]]),
  ) as unknown as TokenRow;
}

/** The token by its hash, with its company's SCIM switch: one indexed query per request. */
const AUTHENTICATE_SQL = `SELECT ${tokenColumns('')}
  FROM ${AUTHENTICATE_FROM}
  WHERE t."secretHash" = $1`;

@Injectable()
export class TokensService {
  private readonly knownTokens = new Map<string, KnownToken>();
  /** readAsToken's statement for each read's text. */
  private readonly tokenReadStatements = new Map<string, string>();

  constructor(
    @InjectRepository(ScimTokenEntity) private readonly tokens: Repository<ScimTokenEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sso: SsoService,
  ) {}

  /** Creates a token; the plaintext is returned here and never again. */
  async create(companyId: CompanyId, dto: CreateTokenDto, createdBy: string, cause: EventCause) {
    const availability = await this.sso.scimAvailability(companyId);
    if (!availability.ssoConfigured) throw new ConflictException(SSO_REQUIRED_MESSAGE);
    if (!availability.scimEnabled) {
      throw new ConflictException(
        'SCIM is turned off for this company: turn it on (PUT /api/companies/:companyId/sso with "scimEnabled": true) before creating a token',
      );
    }
    let expiresAt: Date | null = null;
    if (dto.expiresAt) {
      expiresAt = new Date(dto.expiresAt);
      if (expiresAt.getTime() <= Date.now()) {
        throw new BadRequestException(['expiresAt must be in the future']);
      }
    }
    const secret = generateToken();
    const entity = this.tokens.create({
      id: uuidv7(),
      companyId,
      label: dto.label,
      prefix: secret.prefix,
      secretHash: secret.secretHash,
      createdAt: new Date(),
      createdBy,
      lastUsedAt: null,
      expiresAt,
      revokedAt: null,
      revokedBy: null,
    });
    await transactionWithCause(this.dataSource, cause, async (manager) => {
      await manager.getRepository(ScimTokenEntity).insert(entity);
      recordEvent(manager, companyId, 'scim.token_created', {
        tokenId: entity.id,
        label: entity.label,
        actor: cause,
      });
    });
    return { entity, token: secret.token };
  }

  list(companyId: CompanyId): Promise<ScimTokenEntity[]> {
    return this.tokens.find({ where: { companyId }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  /** Revokes at once: the very next request with this token is refused. Idempotent. */
  async revoke(
    companyId: CompanyId,
    tokenId: string,
    revokedBy: string,
    cause: EventCause,
  ): Promise<ScimTokenEntity> {
    const token = isUuid(tokenId) ? await this.tokens.findOneBy({ companyId, id: tokenId }) : null;
    if (!token) throw new NotFoundException('Token not found');
    if (!token.revokedAt) {
      const revokedAt = new Date();
      await transactionWithCause(this.dataSource, cause, async (manager) => {
        const revoked = await manager
          .getRepository(ScimTokenEntity)
          .update({ companyId, id: tokenId, revokedAt: IsNull() }, { revokedAt, revokedBy });
        // Only the request that revoked it reports it (a racing second revoke changed nothing).
        if (revoked.affected) {
          recordEvent(manager, companyId, 'scim.token_revoked', {
            tokenId,
            label: token.label,
            actor: cause,
          });
        }
      });
      return await this.tokens.findOneByOrFail({ companyId, id: tokenId });
    }
    return token;
  }

  /** Deletes the SCIM configuration: every token revoked and SCIM turned off, together. */
  async deleteScimConfiguration(companyId: CompanyId, actor: string, cause: EventCause) {
    return transactionWithCause(this.dataSource, cause, async (manager) => {
      const revoked = await manager
        .getRepository(ScimTokenEntity)
        .update({ companyId, revokedAt: IsNull() }, { revokedAt: new Date(), revokedBy: actor });
      await this.sso.disableScim(manager, companyId, actor);
      recordEvent(manager, companyId, 'scim.configuration_deleted', {
        revokedTokens: revoked.affected ?? 0,
        actor: cause,
      });
      return { scimEnabled: false, revokedTokens: revoked.affected ?? 0 };
    });
  }

  /**
   * Resolves a bearer token to its company in one indexed query (token and SCIM switch
   * together). A malformed token or a bad checksum is refused before any database work.
   */
  async authenticate(candidate: string | undefined): Promise<TokenAuthentication> {
    const secretHash = this.secretHashOf(candidate);
    if (typeof secretHash !== 'string') return secretHash;
    return this.authenticateHash(secretHash);
  }

  /** As authenticate, for a token already known by the hash of its secret. */
  async authenticateHash(secretHash: string): Promise<TokenAuthentication> {
    const [row] = await rawQuery<TokenRow>(this.tokens.manager, AUTHENTICATE_SQL, [secretHash]);
    return this.judge(secretHash, row);
  }

  /** PostgreSQL: a read can check the token in its own statement (readAsToken). */
  get readsAsToken(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /**
   * The hash a token's row is found by, or the 401 for a header that holds no provisioning
   * token (missing, or malformed, or a bad checksum: refused before any database work).
   */
  secretHashOf(
    candidate: string | undefined,
  ): string | Extract<TokenAuthentication, { ok: false }> {
    if (!candidate) {
      return {
        ok: false,
        status: 401,
        detail: 'Authorization: Bearer <provisioning token> is required',
      };
    }
    if (!isWellFormedToken(candidate)) {
      return { ok: false, status: 401, detail: 'The bearer token is not a provisioning token' };
    }
    return hashToken(candidate);
  }

  /**
   * The token (its id and company) a secret was found to be, if this instance has seen it
   * admitted. Neither ever changes for a token, so this caches nothing that can become stale:
   * whether the token is still good is read with every request (readAsToken). Bounded: the
   * oldest entry goes first.
   */
  knownToken(secretHash: string): KnownToken | undefined {
    return this.knownTokens.get(secretHash);
  }

  /**
   * PostgreSQL: runs `sql`, a read of `companyId`'s rows (its own `$n` placeholders and
   * `parameters`), as the token's own statement: the token's row (by the hash of its secret)
   * with its company's SCIM switch, and beside it the read, in one round trip where the guard's
   * lookup and the read were two (issue 16). The read runs for the token's company only, and
   * costs what it costs alone (a nested loop over the one token row); its rows keep its order.
   * Answers the token's judgement, and the read's rows only when that is `ok` (with the
   * token's columns beside theirs, named `token:…`). `text`: as rawQuery's (`varying` for SQL
   * whose text the request decides); `runner`: a transaction's manager, or the pool.
   */
  async readAsToken<T>(
    secretHash: string,
    companyId: CompanyId,
    sql: string,
    parameters: unknown[],
    text: StatementText,
    runner: DataSource | EntityManager = this.tokens.manager,
  ): Promise<{ authentication: TokenAuthentication; rows: T[] }> {
    const results = await rawQuery<Record<string, unknown>>(
      runner,
      this.readAsTokenSql(sql, parameters.length),
      [...parameters, companyId, secretHash],
      text,
    );
    const token = results[0] && tokenRowOf(results[0]);
    const authentication = await this.judge(secretHash, token);
    if (!authentication.ok) return { authentication, rows: [] };
    if (authentication.companyId !== companyId) {
      // Cannot happen (a token's company is fixed); if it did, nothing was read for it.
      throw new Error(`token ${authentication.tokenId} read as another company's`);
    }
    // In the read's own order: numbered as it came (row_number over no order), and put back
    // in that order here should the join not have kept it, rather than by an ORDER BY, which
    // would sort the page again. The token's columns stay on the rows (copying a page of
    // rows without them cost more than their keys do).
    const read = `${CHECK_COLUMN_PREFIX}read`;
    if (results.length === 1 && results[0][read] === null) return { authentication, rows: [] };
    const position = (row: Record<string, unknown>) => Number(row[read]);
    const inOrder = results.every((row, index) => position(row) === index + 1);
    const rows = (
      inOrder ? results : [...results].sort((a, b) => position(a) - position(b))
    ) as T[];
    return { authentication, rows };
  }

  /** readAsToken's statement around `sql` (of `count` parameters). */
  private readAsTokenSql(sql: string, count: number): string {
    let statement = this.tokenReadStatements.get(sql);
    if (statement === undefined) {
      statement = `SELECT ${tokenColumns(CHECK_COLUMN_PREFIX)}, q.*
  FROM ${AUTHENTICATE_FROM}
  LEFT JOIN LATERAL (SELECT row_number() OVER () AS "${CHECK_COLUMN_PREFIX}read", r.* FROM (${sql}) r) q
    ON t."companyId" = $${count + 1}
  WHERE t."secretHash" = $${count + 2}`;
      // A plain read stays one with the token's plain read beside it.
      if (isReadBeforeBegin(sql)) readBeforeBegin(statement);
      // Bounded as rawQuery bounds the names of such texts.
      if (this.tokenReadStatements.size < 1000) this.tokenReadStatements.set(sql, statement);
    }
    return statement;
  }

  /** What a token's row (or its absence) says of a request that holds its secret. */
  private async judge(secretHash: string, row: TokenRow | undefined): Promise<TokenAuthentication> {
    // The index lookup is on a hash of the secret, so its timing reveals nothing useful;
    // the final comparison is constant-time all the same.
    if (!row || !hashesEqual(row.secretHash, secretHash)) {
      return { ok: false, status: 401, detail: 'The bearer token is not valid' };
    }
    const status = tokenStatus({
      revokedAt: row.revokedAt === null ? null : new Date(Number(row.revokedAt)),
      expiresAt: row.expiresAt === null ? null : new Date(Number(row.expiresAt)),
    });
    if (status !== 'active') {
      return { ok: false, status: 401, detail: `The bearer token has been ${status}` };
    }
    if (row.ssoCompanyId === null) {
      return {
        ok: false,
        status: 403,
        detail: 'SSO is not configured for this company, so SCIM is not available',
      };
    }
    if (!row.scimEnabled) {
      return { ok: false, status: 403, detail: 'SCIM provisioning is turned off for this company' };
    }
    await this.touch(row.id, row.lastUsedAt === null ? null : Number(row.lastUsedAt));
    this.knownTokens.delete(secretHash); // re-inserted last: the newest
    this.knownTokens.set(secretHash, { companyId: row.companyId, tokenId: row.id });
    if (this.knownTokens.size > MAX_KNOWN_TOKENS) {
      this.knownTokens.delete(this.knownTokens.keys().next().value!);
    }
    return { ok: true, companyId: row.companyId, tokenId: row.id };
  }

  /** Records use at most once a minute per token; the conditional update makes racing requests write once. */
  private async touch(tokenId: string, lastUsedAt: number | null): Promise<void> {
    const now = Date.now();
    if (lastUsedAt !== null && now - lastUsedAt < LAST_USED_RESOLUTION_MS) return;
    await this.tokens
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: new Date(now) })
      .where('id = :tokenId AND ("lastUsedAt" IS NULL OR "lastUsedAt" < :threshold)', {
        tokenId,
        threshold: now - LAST_USED_RESOLUTION_MS,
      })
      .execute();
  }
}
