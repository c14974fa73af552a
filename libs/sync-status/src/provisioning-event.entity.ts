import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CompanyId, TimestampColumn } from '@app/common';

export type ProvisioningOutcome = 'success' | 'refused' | 'failed' | 'warning';

/**
 * One SCIM request, as the provisioning log keeps it: who, what, how it ended and how long it
 * took. Never a request body, never a secret.
 */
@Entity('provisioning_events')
export class ProvisioningEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @Column({ type: 'varchar', length: 36, nullable: true })
  tokenId: string | null;

  @Column({ type: 'varchar', length: 8 })
  method: string;

  /** Users, Groups, Schemas, ... */
  @Column({ type: 'varchar', length: 32 })
  resourceType: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  resourceId: string | null;

  /**
   * success (2xx/3xx), refused (4xx: the request was invalid), failed (5xx: our side); or
   * warning: an extra entry beside a successful request for something it skipped.
   */
  @Column({ type: 'varchar', length: 8 })
  outcome: ProvisioningOutcome;

  @Column({ type: 'integer' })
  status: number;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  errorDetail: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  @Column({ type: 'integer' })
  durationMs: number;

  /**
   * What a write did, in the domain's words (`user.deactivated`, `group.updated`), when the
   * handler said so; null for reads and for entries from before the Activity view.
   */
  @Column({ type: 'varchar', length: 32, nullable: true })
  operation: string | null;

  /** Whom it concerned: the userName or group displayName, as the request or the row had it. */
  @Column({ type: 'varchar', length: 256, nullable: true })
  subject: string | null;

  /** `subject` case-folded: the Activity view's "by person" filter. */
  @Column({ type: 'varchar', length: 256, nullable: true })
  subjectKey: string | null;

  @TimestampColumn()
  createdAt: Date;
}
