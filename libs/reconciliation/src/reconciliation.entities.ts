import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CompanyId, TimestampColumn } from '@app/common';

export type RunTrigger = 'manual' | 'scheduled';
export type RunStatus = 'running' | 'succeeded' | 'failed';

/** One reconciliation pass over a company's memberships. */
@Entity('reconciliation_runs')
export class ReconciliationRunEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @Column({ type: 'varchar', length: 16 })
  trigger: RunTrigger;

  /** `repair` fixes drift; `detect` (a scheduled run without auto-repair) only counts it. */
  @Column({ type: 'varchar', length: 8 })
  mode: 'repair' | 'detect';

  @Column({ type: 'varchar', length: 16 })
  status: RunStatus;

  @TimestampColumn()
  startedAt: Date;

  @TimestampColumn({ nullable: true })
  finishedAt: Date | null;

  /** Renewed per batch; a running run whose heartbeat is old was cut off (a crash). */
  @TimestampColumn()
  heartbeatAt: Date;

  @Column({ type: 'integer', default: 0 })
  staleFound: number;

  @Column({ type: 'integer', default: 0 })
  fixed: number;

  @Column({ type: 'simple-json' })
  countsByReason: Record<string, number>;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  error: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  startedBy: string | null;
}

/** One member changed by a run: before and after. */
@Entity('reconciliation_changes')
export class ReconciliationChangeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  runId: string;

  @Column({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @Column({ type: 'varchar', length: 36 })
  memberId: string;

  @Column({ type: 'varchar', length: 320 })
  email: string;

  @Column({ type: 'varchar', length: 32 })
  reason: string;

  @Column({ type: 'simple-json' })
  before: Record<string, unknown>;

  @Column({ type: 'simple-json' })
  after: Record<string, unknown>;

  @TimestampColumn()
  createdAt: Date;
}

@Entity('reconciliation_settings')
export class ReconciliationSettingsEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @Column({ type: 'boolean', default: false })
  autoRepair: boolean;

  @Column({ type: 'varchar', length: 8, default: 'release' })
  orphanPolicy: 'release' | 'suspend';

  @TimestampColumn()
  updatedAt: Date;
}

@Entity('company_leases')
export class CompanyLeaseEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  name: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  holder: string | null;

  @Column({ type: 'bigint', default: 0 })
  expiresAt: string | number;

  @Column({ type: 'bigint', default: 0 })
  lastTick: string | number;
}
