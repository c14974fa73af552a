import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '@app/common';

/**
 * A platform credential: what the platform's own backend presents on /api/platform/*. It
 * sees every company, so it is minted by an operator on the command line, never through an
 * API an admin JWT reaches. Stored hashed; shown once.
 */
@Entity('platform_keys')
export class PlatformKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  label: string;

  /** The first characters, kept in clear so operators can tell keys apart. */
  @Column({ type: 'varchar', length: 32 })
  prefix: string;

  /** SHA-256 of the key; never selected by default. */
  @Column({ type: 'varchar', length: 64, select: false })
  secretHash: string;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn({ nullable: true })
  lastUsedAt: Date | null;

  @TimestampColumn({ nullable: true })
  revokedAt: Date | null;
}
