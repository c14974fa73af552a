import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { createHash } from 'node:crypto';
import { CompanyId, rawQuery, sqlBoolean } from '@app/common';
import { MemberEntity, SsoService } from '@app/directory';
import { AccessService } from '@app/provisioning';
import { DriftContext, driftExpressions, StaleReason, STALE_REASONS } from './drift';

export interface MemberFilter {
  status?: string;
  source?: string;
  role?: string;
  managed?: boolean;
  stale?: boolean;
  staleReason?: StaleReason;
  email?: string;
}

/** Finds drift between what the IdP says (SCIM users, groups, mappings) and the members. */
@Injectable()
export class DriftService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sso: SsoService,
    private readonly access: AccessService,
  ) {}

  async context(
    companyId: CompanyId,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<DriftContext> {
    const [availability, policy, tokens] = await Promise.all([
      this.sso.scimAvailability(companyId),
      this.access.policy(manager, companyId),
      manager
        .createQueryBuilder()
        .select('COUNT(*)', 'n')
        .from('scim_tokens', 't')
        .where(
          't.companyId = :companyId AND t.revokedAt IS NULL AND (t.expiresAt IS NULL OR t.expiresAt > :now)',
          {
            companyId,
            now: Date.now(),
          },
        )
        .getRawOne<{ n: string | number }>(),
    ]);
    return {
      scimActive:
        availability.ssoConfigured && availability.scimEnabled && Number(tokens?.n ?? 0) > 0,
      requireGroupMembership: policy.requireGroupMembership,
      rolesManaged: policy.mappings.length > 0,
      defaultRole: policy.defaultRole,
      groupRoles: policy.groupRoles,
    };
  }

  /** members m LEFT JOIN scim_users u, with the drift columns, for one company. */
  query(
    manager: EntityManager,
    companyId: CompanyId,
    context: DriftContext,
  ): SelectQueryBuilder<MemberEntity> {
    const drift = driftExpressions(context);
    return manager
      .getRepository(MemberEntity)
      .createQueryBuilder('m')
      .leftJoin('scim_users', 'u', 'u.id = m.scimUserId AND u.companyId = m.companyId')
      .where('m.companyId = :companyId', { companyId })
      .select([
        'm.id AS "id"',
        'm.email AS "email"',
        'm.emailKey AS "emailKey"',
        'm.role AS "role"',
        'm.status AS "status"',
        'm.source AS "source"',
        'm.managed AS "managed"',
        'm.scimUserId AS "scimUserId"',
        'm.createdAt AS "createdAt"',
        'm.updatedAt AS "updatedAt"',
        `${drift.reason} AS "staleReason"`,
        `${drift.allowed} AS "allowed"`,
        `${drift.expectedRole} AS "expectedRole"`,
        `${drift.unlinkedUser} AS "unlinkedUserId"`,
      ]);
  }

  /**
   * Brings the kept stale reasons (members.staleReason, migration 1733200000000) up to date:
   * the members marked dirty since, or every member when the company's drift context (SCIM
   * usable, the access policy and mappings) is not the one they were evaluated with, or when
   * `everyone` (the scheduled run: whatever a missed path left is right again after a tick).
   * Each reason is the drift rules' own SQL (drift.ts), evaluated for the members it updates.
   * On PostgreSQL a member a write holds locked is skipped (it stays dirty for the next read):
   * a read never waits for, nor deadlocks with, provisioning; at most 10,000 dirty members are
   * evaluated per read (a burst larger than that is finished by the next reads).
   */
  async settle(companyId: CompanyId, context: DriftContext, everyone = false): Promise<void> {
    const postgres = this.dataSource.options.type === 'postgres';
    const fingerprint = contextFingerprint(context);
    const [stored] = await rawQuery<{ fingerprint: string }>(
      this.dataSource,
      'SELECT "fingerprint" FROM "member_drift_contexts" WHERE "companyId" = $1',
      [companyId],
    );
    const all = everyone || stored?.fingerprint !== fingerprint;
    const reason = `(SELECT ${driftExpressions(context).reason}
        FROM "members" m LEFT JOIN "scim_users" u ON u."id" = m."scimUserId" AND u."companyId" = m."companyId"
       WHERE m."companyId" = "members"."companyId" AND m."id" = "members"."id")`;
    const update = `UPDATE "members" SET "staleReason" = ${reason}, "driftDirty" = FALSE
        WHERE "companyId" = $1 AND`;
    if (!postgres) {
      // One writer at a time: nothing to skip, nothing to deadlock with.
      await rawQuery(
        this.dataSource,
        `${update} ${all ? `("driftDirty" = TRUE OR "staleReason" IS NOT ${reason})` : '"driftDirty" = TRUE'}`,
        [companyId],
      );
    } else if (all) {
      // Only rows whose reason moved are written (no 100,000 row versions for nothing).
      await rawQuery(
        this.dataSource,
        `${update} "id" IN (SELECT "id" FROM "members" WHERE "companyId" = $1
           AND ("driftDirty" = TRUE OR "staleReason" IS DISTINCT FROM ${reason}) FOR UPDATE SKIP LOCKED)`,
        [companyId],
      );
    } else {
      // The dirty ones by their partial index, then those by id: one statement joining the
      // two lets the planner walk the company instead.
      await this.dataSource.transaction(async (manager) => {
        const dirty = await rawQuery<{ id: string }>(
          manager,
          `SELECT "id" FROM "members" WHERE "companyId" = $1 AND "driftDirty" = TRUE
            ORDER BY "id" LIMIT 10000 FOR UPDATE SKIP LOCKED`,
          [companyId],
        );
        if (dirty.length)
          await rawQuery(manager, `${update} "id" = ANY($2)`, [
            companyId,
            dirty.map((row) => row.id),
          ]);
      });
    }
    if (all) {
      await rawQuery(
        this.dataSource,
        `INSERT INTO "member_drift_contexts" ("companyId", "fingerprint", "settledAt") VALUES ($1, $2, $3)
         ON CONFLICT ("companyId") DO UPDATE SET "fingerprint" = $2, "settledAt" = $3`,
        [companyId, fingerprint, Date.now()],
      );
    }
  }

  /** Managed and stale counts, by reason: kept counts (settle), read from an index. */
  async counts(companyId: CompanyId, everyone = false) {
    const context = await this.context(companyId);
    await this.settle(companyId, context, everyone);
    const rows: { reason: StaleReason | null; managed: boolean | number; n: string | number }[] =
      await rawQuery(
        this.dataSource,
        `SELECT "staleReason" AS "reason", "managed", COUNT(*) AS "n" FROM "members"
          WHERE "companyId" = $1 GROUP BY "managed", "staleReason"`,
        [companyId],
      );
    const byReason = Object.fromEntries(STALE_REASONS.map((reason) => [reason, 0])) as Record<
      StaleReason,
      number
    >;
    let managed = 0;
    let stale = 0;
    for (const row of rows) {
      const n = Number(row.n);
      if (sqlBoolean(row.managed)) managed += n;
      if (row.reason) {
        byReason[row.reason] += n;
        stale += n;
      }
    }
    return { managed, stale, byReason };
  }

  /** SCIM users with no email to link them to a member. */
  async usersWithoutEmail(companyId: CompanyId): Promise<number> {
    const row = await this.dataSource
      .createQueryBuilder()
      .select('COUNT(*)', 'n')
      .from('scim_users', 'u')
      .where('u.companyId = :companyId AND u.linkEmailKey IS NULL', { companyId })
      .getRawOne<{ n: string | number }>();
    return Number(row?.n ?? 0);
  }

  /** The member filters; the drift ones read the kept reason, so settle first. */
  applyFilter(query: SelectQueryBuilder<MemberEntity>, filter: MemberFilter) {
    // The kept reason (settle first): an index range, not the rules for every member.
    const reason = 'm."staleReason"';
    if (filter.status) query.andWhere('m.status = :status', { status: filter.status });
    if (filter.source) query.andWhere('m.source = :source', { source: filter.source });
    if (filter.role) query.andWhere('m.role = :role', { role: filter.role });
    if (filter.managed !== undefined)
      query.andWhere(filter.managed ? 'm.managed = TRUE' : 'm.managed = FALSE');
    if (filter.stale !== undefined)
      query.andWhere(filter.stale ? `${reason} IS NOT NULL` : `${reason} IS NULL`);
    if (filter.staleReason)
      query.andWhere(`${reason} = :staleReason`, { staleReason: filter.staleReason });
    if (filter.email) query.andWhere('m.emailKey = :emailKey', { emailKey: filter.email });
    return query;
  }
}

/** The drift context in one hash: kept reasons evaluated under another are evaluated again. */
function contextFingerprint(context: DriftContext): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        context.scimActive,
        context.requireGroupMembership,
        context.rolesManaged,
        context.defaultRole,
        [...context.groupRoles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      ]),
    )
    .digest('base64url');
}
