import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, Repository } from 'typeorm';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import { CompanyId, EventCause, rawQuery, transactionWithCause } from '@app/common';
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

/** The token by its hash, with its company's SCIM switch: one indexed query per request. */
const AUTHENTICATE_SQL = `SELECT t."id" AS "id", t."companyId" AS "companyId", t."secretHash" AS "secretHash",
    t."revokedAt" AS "revokedAt", t."expiresAt" AS "expiresAt", t."lastUsedAt" AS "lastUsedAt",
    s."companyId" AS "ssoCompanyId", s."scimEnabled" AS "scimEnabled"
  FROM "scim_tokens" t LEFT JOIN "sso_connections" s ON s."companyId" = t."companyId"
  WHERE t."secretHash" = $1`;

@Injectable()
export class TokensService {
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
    const secretHash = hashToken(candidate);
    const [row] = await rawQuery<{
      id: string;
      companyId: CompanyId;
      secretHash: string;
      revokedAt: string | number | null;
      expiresAt: string | number | null;
      lastUsedAt: string | number | null;
      ssoCompanyId: string | null;
      scimEnabled: boolean | number | null;
    }>(this.tokens.manager, AUTHENTICATE_SQL, [secretHash]);
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
