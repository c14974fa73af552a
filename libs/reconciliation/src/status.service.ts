import { Injectable } from '@nestjs/common';
import { AppConfig, CompanyId } from '@app/common';
import { SsoService } from '@app/directory';
import { ProvisioningLogService } from '@app/sync-status';
import { DriftService } from './drift.service';
import { ReconciliationRunEntity } from './reconciliation.entities';
import { ReconciliationService } from './reconciliation.service';
import type { ReconciliationRunView, SyncStatusView } from './reconciliation.view';

export type SyncStatus = 'disabled' | 'never_synced' | 'healthy' | 'error';

/** How far back the card counts warnings (skipped group member ids). */
const WARNING_WINDOW_MS = 24 * 3_600_000;

/**
 * The sync status card (README: "Sync status rules"):
 * - `disabled`: SSO not configured or SCIM off;
 * - `never_synced`: no SCIM request has succeeded yet;
 * - `error`: the latest write (POST/PUT/PATCH/DELETE) failed on our side or was refused as
 *   invalid, or the latest reconciliation failed;
 * - `healthy` otherwise.
 * Counts are computed live from the members and SCIM tables, so they are exact.
 */
@Injectable()
export class StatusService {
  constructor(
    private readonly sso: SsoService,
    private readonly log: ProvisioningLogService,
    private readonly drift: DriftService,
    private readonly reconciliation: ReconciliationService,
    private readonly config: AppConfig,
  ) {}

  async status(companyId: CompanyId): Promise<SyncStatusView> {
    // What was just served is in the log before the card reads it.
    await this.log.flush();
    const [availability, success, problem, write, lastRun, counts, skipped] = await Promise.all([
      this.sso.scimAvailability(companyId),
      this.log.latest(companyId, 'success'),
      this.log.latest(companyId, 'problem'),
      this.log.latest(companyId, 'write-problem'),
      this.reconciliation.latest(companyId),
      this.drift.counts(companyId),
      this.log.warnings(companyId, new Date(Date.now() - WARNING_WINDOW_MS)),
    ]);
    const unlinkable = await this.drift.usersWithoutEmail(companyId);
    const enabled = availability.ssoConfigured && availability.scimEnabled;
    let status: SyncStatus;
    if (!enabled) status = 'disabled';
    else if (!success) status = 'never_synced';
    else if ((write && write.outcome !== 'success') || lastRun?.status === 'failed')
      status = 'error';
    else status = 'healthy';
    return {
      enabled,
      ssoConfigured: availability.ssoConfigured,
      status,
      lastSyncAt: success?.createdAt.toISOString() ?? null,
      lastSyncError: problem
        ? {
            detail: problem.errorDetail ?? `HTTP ${problem.status}`,
            status: problem.status,
            at: problem.createdAt.toISOString(),
            requestId: problem.requestId,
            method: problem.method,
            resourceType: problem.resourceType,
          }
        : null,
      managedMemberships: counts.managed,
      staleMemberships: counts.stale,
      staleByReason: counts.byReason,
      warnings: [
        // SCIM users with no email: stored, but linked to no member (nobody gets access through them).
        ...(unlinkable > 0
          ? [
              {
                code: 'users_without_email' as const,
                count: unlinkable,
                detail: `${unlinkable} SCIM user(s) have no email address, so they are linked to no member`,
              },
            ]
          : []),
        // Group member ids that named nobody in the company, skipped in the last 24 hours.
        ...(skipped.count > 0 && skipped.latest
          ? [
              {
                code: 'unknown_group_members' as const,
                count: skipped.count,
                detail: `${skipped.count} group member id(s) in the last 24 hours named no user or group of this company and were skipped; the latest: ${skipped.latest.errorDetail}`,
                latest: {
                  detail: skipped.latest.errorDetail,
                  at: skipped.latest.createdAt.toISOString(),
                  requestId: skipped.latest.requestId,
                  method: skipped.latest.method,
                  resourceType: skipped.latest.resourceType,
                  resourceId: skipped.latest.resourceId,
                },
              },
            ]
          : []),
      ],
      endpointUrl: this.config.scimEndpointUrl,
      lastReconciliation: lastRun ? runView(lastRun) : null,
    };
  }
}

export function runView(run: ReconciliationRunEntity): ReconciliationRunView {
  return {
    id: run.id,
    trigger: run.trigger,
    mode: run.mode,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    staleFound: run.staleFound,
    fixed: run.fixed,
    countsByReason: run.countsByReason,
    error: run.error,
    startedBy: run.startedBy,
  };
}
