import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import {
  AUDIT_SINK,
  AuditSink,
  CompanyId,
  hashSecretToken,
  rawQuery,
  SecretTokenFormat,
  secretHashesEqual,
} from '@app/common';
import { PlatformKeyEntity } from './platform-key.entity';

/** Platform keys: `scimpk_` and the shared secret-token format (see SecretTokenFormat). */
export const PLATFORM_KEYS = new SecretTokenFormat('scimpk_');

/**
 * Where platform-wide actions (keys, webhook endpoints) are audited: not a company id (the
 * pattern of company ids excludes `*`), so no company's admin ever reads them as its own.
 */
export const PLATFORM_AUDIT_SCOPE = '*platform' as CompanyId;

/** `lastUsedAt` is written at most this often per key, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface PlatformKeyView {
  id: string;
  label: string;
  prefix: string;
  status: 'active' | 'revoked';
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The rate limiter's key for a platform credential (its hash, like SCIM tokens). */
export function platformCredentialKey(key: string | undefined): string | undefined {
  return key !== undefined && PLATFORM_KEYS.isWellFormed(key)
    ? `platform:${hashSecretToken(key)}`
    : undefined;
}

@Injectable()
export class PlatformKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(AUDIT_SINK) private readonly audit: AuditSink,
  ) {}

  /** Mints a key; the plaintext is in this answer only. */
  async create(label: string, actor: string): Promise<PlatformKeyView & { key: string }> {
    const secret = PLATFORM_KEYS.generate();
    const entity: PlatformKeyEntity = {
      id: uuidv7(),
      label,
      prefix: secret.prefix,
      secretHash: secret.secretHash,
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.dataSource.getRepository(PlatformKeyEntity).insert(entity);
    await this.audit.record({
      companyId: PLATFORM_AUDIT_SCOPE,
      action: 'platform_key.created',
      actorId: actor,
      targetId: entity.id,
      details: { label, prefix: entity.prefix },
    });
    return { ...keyView(entity), key: secret.token };
  }

  async list(): Promise<PlatformKeyView[]> {
    const keys = await this.dataSource
      .getRepository(PlatformKeyEntity)
      .find({ order: { createdAt: 'DESC', id: 'DESC' } });
    return keys.map(keyView);
  }

  /** Revokes at once: the very next request with this key is refused. Idempotent. */
  async revoke(id: string, actor: string): Promise<PlatformKeyView> {
    const repository = this.dataSource.getRepository(PlatformKeyEntity);
    const key = isUuid(id) ? await repository.findOneBy({ id }) : null;
    if (!key) throw new NotFoundException(`No platform key ${id}`);
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await repository.update({ id }, { revokedAt: key.revokedAt });
      await this.audit.record({
        companyId: PLATFORM_AUDIT_SCOPE,
        action: 'platform_key.revoked',
        actorId: actor,
        targetId: id,
        details: { label: key.label, prefix: key.prefix },
      });
    }
    return keyView(key);
  }

  /** The key's id when `candidate` is an active platform key; undefined otherwise. */
  async authenticate(candidate: string | undefined): Promise<string | undefined> {
    if (!candidate || !PLATFORM_KEYS.isWellFormed(candidate)) return undefined;
    const secretHash = hashSecretToken(candidate);
    const [row] = await rawQuery<{
      id: string;
      secretHash: string;
      revokedAt: string | number | null;
      lastUsedAt: string | number | null;
    }>(
      this.dataSource,
      'SELECT "id", "secretHash", "revokedAt", "lastUsedAt" FROM "platform_keys" WHERE "secretHash" = $1',
      [secretHash],
    );
    if (!row || row.revokedAt !== null || !secretHashesEqual(row.secretHash, secretHash)) {
      return undefined;
    }
    const now = Date.now();
    if (row.lastUsedAt === null || now - Number(row.lastUsedAt) >= LAST_USED_RESOLUTION_MS) {
      await rawQuery(
        this.dataSource,
        'UPDATE "platform_keys" SET "lastUsedAt" = $2 WHERE "id" = $1',
        [row.id, now],
      );
    }
    return row.id;
  }
}

function keyView(key: PlatformKeyEntity): PlatformKeyView {
  return {
    id: key.id,
    label: key.label,
    prefix: key.prefix,
    status: key.revokedAt ? 'revoked' : 'active',
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
