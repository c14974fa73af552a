import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CompanyId, TimestampColumn } from '@app/common';

import type { TokenView } from './token.view';

export type TokenStatus = 'active' | 'revoked' | 'expired';

/** A provisioning token: an identity provider's credential for one company's SCIM API. */
@Entity('scim_tokens')
export class ScimTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @Column({ type: 'varchar', length: 100 })
  label: string;

  /** The first characters of the token, kept in clear so admins can tell tokens apart. */
  @Column({ type: 'varchar', length: 16 })
  prefix: string;

  /** SHA-256 of the token; never selected unless asked for. */
  @Column({ type: 'varchar', length: 64, select: false })
  secretHash: string;

  @TimestampColumn()
  createdAt: Date;

  @Column({ type: 'varchar', length: 255 })
  createdBy: string;

  @TimestampColumn({ nullable: true })
  lastUsedAt: Date | null;

  @TimestampColumn({ nullable: true })
  expiresAt: Date | null;

  @TimestampColumn({ nullable: true })
  revokedAt: Date | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  revokedBy: string | null;
}

export function tokenStatus(
  token: Pick<ScimTokenEntity, 'revokedAt' | 'expiresAt'>,
  now = new Date(),
): TokenStatus {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && token.expiresAt <= now) return 'expired';
  return 'active';
}

/** The admin API's view of a token: never the secret, not even its hash. */
export function tokenView(token: ScimTokenEntity): TokenView {
  return {
    id: token.id,
    label: token.label,
    prefix: token.prefix,
    status: tokenStatus(token),
    createdAt: token.createdAt.toISOString(),
    createdBy: token.createdBy,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
    revokedBy: token.revokedBy,
  };
}
