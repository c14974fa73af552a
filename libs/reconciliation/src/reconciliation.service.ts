import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import {
  CompanyId,
  CompanyRole,
  MetricsService,
  sqlBoolean,
  transactionWithCause,
} from '@app/common';
import { MemberEntity, MemberStatus } from '@app/directory';
import { recordEvent, recordMemberChange } from '@app/events';
import { AccessService } from '@app/provisioning';
import { DriftContext, driftExpressions, StaleReason, STALE_REASONS } from './drift';
import { DriftService } from './drift.service';
import { LeasesService } from './leases.service';
import {
  ReconciliationChangeEntity,
  ReconciliationRunEntity,
  ReconciliationSettingsEntity,
  RunTrigger,
} from './reconciliation.entities';

/** Members per batch: each batch is read, repaired and committed on its own. */
export const RECONCILE_BATCH = 500;
/** A run renews its lease per batch; one silent this long was cut off and may be taken over. */
const LEASE_MS = 60_000;

interface DriftRow {
  id: string;
  email: string;
  role: CompanyRole;
  status: MemberStatus;
  source: string;
  managed: boolean | number;
  scimUserId: string | null;
  staleReason: StaleReason;
  allowed: number | string;
  expectedRole: CompanyRole | null;
  unlinkedUserId: string | null;
}

/**
 * Reconciliation: the IdP is the source of truth. Stale memberships are found by SQL and
 * repaired in batches, each committed with a record of every change, so a crash loses at most
 * the batch in flight and the next run finishes the work; a second run finds nothing to do.
 * One run per company at a time, across instances (a lease in the database).
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger('Reconciliation');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly drift: DriftService,
    private readonly leases: LeasesService,
    private readonly access: AccessService,
    private readonly metrics: MetricsService,
  ) {}

  async settings(
    companyId: CompanyId,
  ): Promise<{ autoRepair: boolean; orphanPolicy: 'release' | 'suspend' }> {
    const row = await this.dataSource
      .getRepository(ReconciliationSettingsEntity)
      .findOneBy({ companyId });
    return { autoRepair: row?.autoRepair ?? false, orphanPolicy: row?.orphanPolicy ?? 'release' };
  }

  async updateSettings(
    companyId: CompanyId,
    change: { autoRepair?: boolean; orphanPolicy?: 'release' | 'suspend' },
  ) {
    const current = await this.settings(companyId);
    await this.dataSource
      .getRepository(ReconciliationSettingsEntity)
      .save({ companyId, ...current, ...change, updatedAt: new Date() });
    return this.settings(companyId);
  }

  runs(companyId: CompanyId, limit = 50): Promise<ReconciliationRunEntity[]> {
    return this.dataSource
      .getRepository(ReconciliationRunEntity)
      .find({ where: { companyId }, order: { startedAt: 'DESC', id: 'DESC' }, take: limit });
  }

  /** A run's changes; a run that is not this company's (or no run at all) is 404. */
  async changes(companyId: CompanyId, runId: string): Promise<ReconciliationChangeEntity[]> {
    const run = isUuid(runId)
      ? await this.dataSource
          .getRepository(ReconciliationRunEntity)
          .exists({ where: { companyId, id: runId } })
      : false;
    if (!run) throw new NotFoundException('Reconciliation run not found');
    return this.dataSource
      .getRepository(ReconciliationChangeEntity)
      .find({ where: { companyId, runId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  latest(companyId: CompanyId): Promise<ReconciliationRunEntity | null> {
    return this.dataSource
      .getRepository(ReconciliationRunEntity)
      .findOne({ where: { companyId }, order: { startedAt: 'DESC', id: 'DESC' } });
  }

  /**
   * Runs a pass now. While another pass holds the company's lease, answers that running pass
   * instead of starting a second one.
   */
  async run(
    companyId: CompanyId,
    trigger: RunTrigger,
    mode: 'repair' | 'detect',
    startedBy: string | null,
    /** From a preview: repair only if the plan is still the one it showed. */
    previewFingerprint?: string,
  ) {
    const runId = uuidv7();
    const lease = `reconcile`;
    if (!(await this.leases.acquire(companyId, lease, runId, LEASE_MS))) {
      const running = await this.dataSource
        .getRepository(ReconciliationRunEntity)
        .findOne({ where: { companyId, status: 'running' }, order: { startedAt: 'DESC' } });
      if (running) return running;
      throw new ConflictException(
        'A reconciliation is starting for this company; try again in a moment',
      );
    }
    let expected: Map<string, string> | undefined;
    if (previewFingerprint !== undefined) {
      try {
        const { plan } = await this.fullPlan(this.dataSource.manager, companyId);
        if (fingerprintOf(plan) !== previewFingerprint) {
          throw new ConflictException(
            `What Reconcile would change has moved since the preview (it would now change ${plan.length} member${plan.length === 1 ? '' : 's'}): preview again, then reconcile`,
          );
        }
        expected = new Map(plan.map((change) => [change.row.id, planKey(change)]));
      } catch (error) {
        await this.leases.release(companyId, lease, runId);
        throw error;
      }
    }
    const runs = this.dataSource.getRepository(ReconciliationRunEntity);
    // A pass cut off earlier (a crash) left a run "running": it is over, and this one finishes its work.
    await runs.update(
      { companyId, status: 'running' },
      { status: 'failed', finishedAt: new Date(), error: 'interrupted; a later run took over' },
    );
    const now = new Date();
    const run = runs.create({
      id: runId,
      companyId,
      trigger,
      mode,
      status: 'running',
      startedAt: now,
      heartbeatAt: now,
      finishedAt: null,
      staleFound: 0,
      fixed: 0,
      countsByReason: {},
      error: null,
      startedBy,
    });
    await runs.insert(run);
    try {
      if (mode === 'detect') {
        // A scheduled run evaluates every member again: nothing a missed path left stays wrong.
        const counts = await this.drift.counts(companyId, trigger === 'scheduled');
        run.staleFound = counts.stale;
        run.countsByReason = counts.byReason;
      } else {
        const [context, settings] = await Promise.all([
          this.drift.context(companyId),
          this.settings(companyId),
        ]);
        await this.repair(run, context, settings.orphanPolicy, expected);
      }
      run.status = 'succeeded';
    } catch (error) {
      run.status = 'failed';
      run.error = (error as Error).message.slice(0, 1024);
      this.logger.error(`reconciliation ${run.id} of ${companyId} failed: ${run.error}`);
    }
    run.finishedAt = new Date();
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.getRepository(ReconciliationRunEntity).update(
          { id: run.id },
          {
            status: run.status,
            finishedAt: run.finishedAt,
            error: run.error,
            staleFound: run.staleFound,
            fixed: run.fixed,
            countsByReason: run.countsByReason,
          },
        );
        recordEvent(manager, companyId, 'reconciliation.finished', {
          runId: run.id,
          trigger,
          mode,
          status: run.status,
          staleFound: run.staleFound,
          fixed: run.fixed,
        });
      });
      return run;
    } finally {
      await this.leases.release(companyId, lease, runId);
      this.metrics.reconciliationRun(
        trigger,
        mode,
        run.status,
        (Date.now() - run.startedAt.getTime()) / 1000,
      );
    }
  }

  /** Repairs batch by batch (keyset over member id), each batch in its own transaction. */
  private async repair(
    run: ReconciliationRunEntity,
    context: DriftContext,
    orphanPolicy: 'release' | 'suspend',
    expected?: Map<string, string>,
  ) {
    const counts = Object.fromEntries(STALE_REASONS.map((reason) => [reason, 0])) as Record<
      StaleReason,
      number
    >;
    let after = '';
    for (;;) {
      // Every access change a repair makes names this run as its cause.
      const cause = { kind: 'reconciliation' as const, runId: run.id };
      const batch = await transactionWithCause(this.dataSource, cause, async (manager) => {
        const rows = await this.staleBatch(manager, run.companyId, context, after);
        const now = new Date();
        const planned = await this.plan(manager, run.companyId, context, orphanPolicy, rows);
        // From a preview: exactly what it showed. A member whose change moved since (a SCIM
        // write between the check and this batch) is left for the next run.
        const applied = expected
          ? planned.filter((change) => expected.get(change.row.id) === planKey(change))
          : planned;
        // One UPDATE per distinct outcome and one INSERT for the batch's change records.
        const updates = new Map<string, { next: Partial<MemberEntity>; ids: string[] }>();
        const records: QueryDeepPartialEntity<ReconciliationChangeEntity>[] = [];
        for (const { row, before, next } of applied) {
          recordMemberChange(manager, run.companyId, row, {
            id: row.id,
            email: row.email,
            status: next.status ?? row.status,
            role: next.role ?? row.role,
            source: row.source,
          });
          const key = JSON.stringify(next);
          const group = updates.get(key) ?? { next, ids: [] };
          group.ids.push(row.id);
          updates.set(key, group);
          records.push({
            id: uuidv7(),
            runId: run.id,
            companyId: run.companyId,
            memberId: row.id,
            email: row.email,
            reason: row.staleReason,
            before,
            after: { ...before, ...next },
            createdAt: now,
          } as QueryDeepPartialEntity<ReconciliationChangeEntity>);
          counts[row.staleReason] += 1;
        }
        for (const { next, ids } of updates.values()) {
          await manager
            .createQueryBuilder()
            .update(MemberEntity)
            .set({ ...next, updatedAt: now } as QueryDeepPartialEntity<MemberEntity>)
            .where('companyId = :companyId AND id IN (:...ids)', { companyId: run.companyId, ids })
            .execute();
        }
        for (let i = 0; i < records.length; i += 100) {
          await manager
            .createQueryBuilder()
            .insert()
            .into(ReconciliationChangeEntity)
            .values(records.slice(i, i + 100))
            .execute();
        }
        run.staleFound += applied.length;
        run.fixed += applied.length;
        run.countsByReason = counts;
        await manager.getRepository(ReconciliationRunEntity).update(
          { id: run.id },
          {
            staleFound: run.staleFound,
            fixed: run.fixed,
            countsByReason: counts,
            heartbeatAt: now,
          },
        );
        return rows;
      });
      if (batch.length === 0) return;
      await this.leases.renew(run.companyId, 'reconcile', run.id, LEASE_MS);
      after = batch[batch.length - 1].id;
      if (batch.length < RECONCILE_BATCH) return;
    }
  }

  /**
   * The next batch of stale members after `after`, in id order, by the drift rules. With
   * `kept`, only among the members whose kept reason says stale (settled first: the preview,
   * which must not evaluate the rules for every member); a repair walks them all.
   */
  private staleBatch(
    manager: EntityManager,
    companyId: CompanyId,
    context: DriftContext,
    after: string,
    kept = false,
  ): Promise<DriftRow[]> {
    const query = this.drift
      .query(manager, companyId, context)
      .andWhere('m.id > :after', { after })
      .andWhere(`${driftExpressions(context).reason} IS NOT NULL`);
    if (kept) query.andWhere('m."staleReason" IS NOT NULL');
    return query.orderBy('m.id', 'ASC').limit(RECONCILE_BATCH).getRawMany();
  }

  /** What a repair does to each stale member: its state before, and what it becomes. */
  private async plan(
    manager: EntityManager,
    companyId: CompanyId,
    context: DriftContext,
    orphanPolicy: 'release' | 'suspend',
    rows: DriftRow[],
  ): Promise<PlannedChange[]> {
    // Linking an unlinked member gives it the access SCIM decides for its user.
    const toLink = rows.filter((row) => row.staleReason === 'unlinked' && row.unlinkedUserId);
    const decisions = new Map(
      (toLink.length
        ? await this.access.decide(
            manager,
            companyId,
            toLink.map((row) => ({ id: row.unlinkedUserId!, active: true })),
            await this.access.policy(manager, companyId),
          )
        : []
      ).map((decision) => [decision.scimUserId, decision]),
    );
    return rows.map((row) => {
      const decision = row.unlinkedUserId ? decisions.get(row.unlinkedUserId) : undefined;
      const next: Partial<MemberEntity> = decision
        ? {
            managed: true,
            scimUserId: row.unlinkedUserId,
            status: decision.allowed ? 'active' : 'suspended',
            ...(decision.role ? { role: decision.role } : {}),
          }
        : desiredState(row, context, orphanPolicy);
      const before = {
        role: row.role,
        status: row.status,
        managed: sqlBoolean(row.managed),
        scimUserId: row.scimUserId,
      };
      return { row, before, next };
    });
  }

  /**
   * What a Reconcile would change now, member by member, and nothing changes (a dry run):
   * the whole plan is walked for its fingerprint and counts; `limit` changes after `after`
   * are answered. Reconcile with that fingerprint applies exactly this plan, or refuses.
   */
  async preview(
    companyId: CompanyId,
    page: { limit: number; after?: string },
  ): Promise<{
    fingerprint: string;
    total: number;
    countsByReason: Record<StaleReason, number>;
    changes: ReconciliationPreviewChange[];
    nextAfter: string | null;
  }> {
    const manager = this.dataSource.manager;
    const { plan } = await this.fullPlan(manager, companyId);
    const countsByReason = Object.fromEntries(STALE_REASONS.map((reason) => [reason, 0])) as Record<
      StaleReason,
      number
    >;
    for (const change of plan) countsByReason[change.row.staleReason] += 1;
    const start = page.after ? plan.findIndex((change) => change.row.id > page.after!) : 0;
    const rest = start < 0 ? [] : plan.slice(start);
    const shown = rest.slice(0, page.limit);
    return {
      fingerprint: fingerprintOf(plan),
      total: plan.length,
      countsByReason,
      changes: shown.map(({ row, before, next }) => ({
        memberId: row.id,
        email: row.email,
        reason: row.staleReason,
        before,
        after: { ...before, ...next },
      })),
      nextAfter: rest.length > page.limit ? shown[shown.length - 1].row.id : null,
    };
  }

  /** Every change a repair would make now, in member id order. */
  private async fullPlan(manager: EntityManager, companyId: CompanyId) {
    const [context, settings] = await Promise.all([
      this.drift.context(companyId, manager),
      this.settings(companyId),
    ]);
    await this.drift.settle(companyId, context);
    const plan: PlannedChange[] = [];
    let after = '';
    for (;;) {
      const rows = await this.staleBatch(manager, companyId, context, after, true);
      plan.push(...(await this.plan(manager, companyId, context, settings.orphanPolicy, rows)));
      if (rows.length < RECONCILE_BATCH) return { context, settings, plan };
      after = rows[rows.length - 1].id;
    }
  }
}

interface PlannedChange {
  row: DriftRow;
  before: { role: CompanyRole; status: MemberStatus; managed: boolean; scimUserId: string | null };
  next: Partial<MemberEntity>;
}

export interface ReconciliationPreviewChange {
  memberId: string;
  email: string;
  reason: StaleReason;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

/** One planned change as text: which member, why, and what it becomes. */
function planKey({ row, next }: PlannedChange): string {
  return JSON.stringify([row.id, row.staleReason, next]);
}

/** The plan in one hash: a Reconcile "from the preview" checks it is still the same plan. */
function fingerprintOf(plan: PlannedChange[]): string {
  const hash = createHash('sha256');
  for (const change of plan) hash.update(planKey(change)).update('\n');
  return hash.digest('base64url');
}

/** What SCIM says a stale member should look like. */
export function desiredState(
  row: Pick<DriftRow, 'staleReason' | 'allowed' | 'expectedRole' | 'scimUserId' | 'status'>,
  context: DriftContext,
  orphanPolicy: 'release' | 'suspend',
): Partial<Pick<MemberEntity, 'status' | 'role' | 'managed' | 'scimUserId'>> {
  if (row.staleReason === 'scim_removed') {
    // Nothing provisions it any more: released to manual management, or suspended as well.
    return orphanPolicy === 'suspend'
      ? {
          managed: false,
          scimUserId: null,
          status: row.status === 'active' ? 'suspended' : row.status,
        }
      : { managed: false, scimUserId: null };
  }
  const allowed = Number(row.allowed) === 1;
  const status: MemberStatus = allowed ? 'active' : row.scimUserId ? 'suspended' : 'deprovisioned';
  return {
    status,
    ...(context.rolesManaged && row.expectedRole && row.scimUserId
      ? { role: row.expectedRole }
      : {}),
  };
}
