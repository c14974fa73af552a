import { ApiProperty } from '@nestjs/swagger';
import type { CompanyRole } from '@app/common';
import type { MemberSource, MemberStatus } from '@app/directory';
import type { StaleReason } from './drift';
import type { RunStatus, RunTrigger } from './reconciliation.entities';
import type { SyncStatus } from './status.service';

/** Counts by stale reason (only reasons with a count). */
const COUNTS_BY_REASON = {
  type: 'object',
  additionalProperties: { type: 'integer' },
  example: { access_not_revoked: 2 },
} as const;

/** One reconciliation pass. */
export class ReconciliationRunView {
  @ApiProperty({ format: 'uuid' })
  id: string;
  trigger: RunTrigger;
  /** `repair` fixes drift; `detect` (a scheduled run without auto-repair) only counts it. */
  mode: 'repair' | 'detect';
  status: RunStatus;
  @ApiProperty({ format: 'date-time' })
  startedAt: string;
  @ApiProperty({ format: 'date-time' })
  finishedAt: string | null;
  @ApiProperty({ type: 'integer' })
  staleFound: number;
  @ApiProperty({ type: 'integer' })
  fixed: number;
  @ApiProperty(COUNTS_BY_REASON)
  countsByReason: Record<string, number>;
  error: string | null;
  startedBy: string | null;
}

/** One member a run changed: before and after. */
export class ReconciliationChangeView {
  @ApiProperty({ format: 'uuid' })
  memberId: string;
  email: string;
  reason: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  before: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true })
  after: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' })
  at: string;
}

/** One member a Reconcile would change now: why, as it is, and as it would be. */
export class ReconciliationPreviewChangeView {
  @ApiProperty({ format: 'uuid' })
  memberId: string;
  email: string;
  reason: StaleReason;
  @ApiProperty({ type: 'object', additionalProperties: true })
  before: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true })
  after: Record<string, unknown>;
}

/** What a Reconcile would change now (a dry run: nothing changed). */
export class ReconciliationPreviewView {
  /** Pass as `preview` to `POST .../scim/reconcile` to apply exactly this plan. */
  fingerprint: string;
  /** How many members it would change in all. */
  @ApiProperty({ type: 'integer' })
  total: number;
  @ApiProperty(COUNTS_BY_REASON)
  countsByReason: Record<string, number>;
  /** The changes of this page, in member id order. */
  changes: ReconciliationPreviewChangeView[];
  /** Pass as `after` for the next page; null on the last. */
  @ApiProperty({ format: 'uuid' })
  nextAfter: string | null;
}

/** Whether scheduled runs repair, and what happens to a member SCIM no longer provisions. */
export class ReconciliationSettingsView {
  autoRepair: boolean;
  orphanPolicy: 'release' | 'suspend';
}

/** The latest SCIM request that failed or was refused. */
export class LastSyncErrorView {
  detail: string;
  @ApiProperty({ type: 'integer' })
  status: number;
  @ApiProperty({ format: 'date-time' })
  at: string;
  requestId: string | null;
  method: string;
  resourceType: string;
}

/** The latest occurrence behind a warning. */
export class SyncWarningLatestView {
  detail: string | null;
  @ApiProperty({ format: 'date-time' })
  at: string;
  requestId: string | null;
  method: string;
  resourceType: string;
  resourceId: string | null;
}

/**
 * users_without_email: SCIM users linked to nobody; unknown_group_members: group member ids
 * skipped in the last 24 hours, with the latest.
 */
export class SyncWarningView {
  code: 'users_without_email' | 'unknown_group_members';
  @ApiProperty({ type: 'integer' })
  count: number;
  detail: string;
  latest?: SyncWarningLatestView;
}

/** The sync status card (README: "Sync status rules"). */
export class SyncStatusView {
  enabled: boolean;
  ssoConfigured: boolean;
  status: SyncStatus;
  @ApiProperty({ format: 'date-time' })
  lastSyncAt: string | null;
  lastSyncError: LastSyncErrorView | null;
  @ApiProperty({ type: 'integer' })
  managedMemberships: number;
  @ApiProperty({ type: 'integer' })
  staleMemberships: number;
  @ApiProperty(COUNTS_BY_REASON)
  staleByReason: Record<string, number>;
  warnings: SyncWarningView[];
  @ApiProperty({ format: 'uri' })
  endpointUrl: string;
  lastReconciliation: ReconciliationRunView | null;
}

/** A member of the company: who may enter, and whether SCIM manages them. */
export class MemberView {
  @ApiProperty({ format: 'uuid' })
  id: string;
  email: string;
  role: CompanyRole;
  status: MemberStatus;
  source: MemberSource;
  managed: boolean;
  scimUserId: string | null;
  stale: boolean;
  staleReason: StaleReason | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

/** A page of members, ordered by email. */
export class MemberPageView {
  @ApiProperty({ type: 'integer' })
  total: number;
  @ApiProperty({ type: 'integer' })
  limit: number;
  @ApiProperty({ type: 'integer' })
  offset: number;
  items: MemberView[];
  /** Pass as `after` for the next page; null on the last. */
  nextAfter: string | null;
}
