import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '@app/common';

export type EndpointStatus = 'active' | 'failing' | 'disabled';

/** Where the platform wants events pushed (managed through the platform API). */
@Entity('webhook_endpoints')
export class WebhookEndpointEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 2048 })
  url: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  /** `,type,type,`, so that one LIKE matches a type in SQL on both engines; null: every type. */
  @Column({ type: 'varchar', length: 1024, nullable: true })
  eventTypes: string | null;

  /** Only this company's events; null: every company's. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  companyId: string | null;

  /** Events queue for an enabled endpoint; a disabled one gets none until enabled again. */
  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** `failing`: a delivery was given up, and its queue waits until an operator re-enables it. */
  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: EndpointStatus;

  @Column({ type: 'varchar', length: 255, nullable: true })
  statusReason: string | null;

  /**
   * The signing secret (`whsec_...`). Kept as is, not hashed: signing needs it. Never selected
   * by default and never answered after the create or rotate that made it.
   */
  @Column({ type: 'varchar', length: 128, select: false })
  secret: string;

  /** The secret before the last rotation, signing beside the new one until it expires. */
  @Column({ type: 'varchar', length: 128, nullable: true, select: false })
  previousSecret: string | null;

  @TimestampColumn({ nullable: true })
  previousSecretExpiresAt: Date | null;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn()
  updatedAt: Date;
}

/** One attempt to deliver one event to one endpoint. */
@Entity('webhook_attempts')
export class WebhookAttemptEntity {
  /** UUIDv7: newest first is a walk of the (endpointId, id) index. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  endpointId: string;

  @Column({ type: 'varchar', length: 36 })
  eventId: string;

  @Column({ type: 'varchar', length: 64 })
  eventType: string;

  @Column({ type: 'integer' })
  attempt: number;

  @TimestampColumn()
  startedAt: Date;

  @Column({ type: 'integer' })
  durationMs: number;

  @Column({ type: 'integer', nullable: true })
  statusCode: number | null;

  /** delivered | failed | gone (410) | refused (the target policy) */
  @Column({ type: 'varchar', length: 16 })
  outcome: string;

  @Column({ type: 'varchar', length: 512, nullable: true })
  error: string | null;

  /** The first 1 KB of the answer. */
  @Column({ type: 'text', nullable: true })
  responseBody: string | null;
}
