import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { CompanyId, sqlBoolean } from '@app/common';
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

  /** Managed and stale counts, exact, by reason. */
  async counts(companyId: CompanyId) {
    const context = await this.context(companyId);
    const drift = driftExpressions(context);
    const rows: { reason: StaleReason | null; managed: boolean | number; n: string | number }[] =
      await this.dataSource
        .createQueryBuilder()
        .select([`${drift.reason} AS "reason"`, 'm.managed AS "managed"', 'COUNT(*) AS "n"'])
        .from(MemberEntity, 'm')
        .leftJoin('scim_users', 'u', 'u.id = m.scimUserId AND u.companyId = m.companyId')
        .where('m.companyId = :companyId', { companyId })
        .groupBy(`${drift.reason}`)
        .addGroupBy('m.managed')
        .getRawMany();
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

  applyFilter(
    query: SelectQueryBuilder<MemberEntity>,
    context: DriftContext,
    filter: MemberFilter,
  ) {
    const { reason } = driftExpressions(context);
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
