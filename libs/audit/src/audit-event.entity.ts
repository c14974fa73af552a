import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CompanyId, TimestampColumn } from '@app/common';
import type { AuditEventView } from './audit-event.view';

/** One admin action: who did what to which object, when, under which request id. */
@Entity('audit_events')
export class AuditEventEntity {
  /** UUIDv7: ids sort by time, so the newest-first read is a keyset walk over the index. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  /** `scim_token.created`, `sso.configured`, `reconciliation.started`, ... */
  @Column({ type: 'varchar', length: 64 })
  action: string;

  /** The admin's subject (JWT `sub`). */
  @Column({ type: 'varchar', length: 255 })
  actorId: string;

  @Column({ type: 'varchar', length: 320, nullable: true })
  actorEmail: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  targetId: string | null;

  /** JSON of what changed; never a secret (see Audited). */
  @Column({ type: 'text', nullable: true })
  details: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  @TimestampColumn()
  createdAt: Date;
}

export function auditEventView(event: AuditEventEntity): AuditEventView {
  return {
    id: event.id,
    action: event.action,
    actor: { id: event.actorId, email: event.actorEmail },
    targetId: event.targetId,
    details: event.details ? (JSON.parse(event.details) as Record<string, unknown>) : {},
    requestId: event.requestId,
    at: event.createdAt.toISOString(),
  };
}
