import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import {
  Actor,
  actorId,
  causeOf,
  CompanyId,
  CompanyRole,
  rawQuery,
  requireOwnerToTouchOwners,
  sqlBoolean,
  sqlPlaceholders,
  transactionWithCause,
} from '@app/common';
import {
  AccessDecision,
  DEFAULT_PROVISIONED_ROLE,
  higherRole,
  MembersService,
} from '@app/directory';
import { PendingEvent, rehearse } from '@app/events';
import { foldCase } from '@app/scim-protocol';
import { AccessPolicyEntity, GroupRoleMappingEntity } from './access.entities';

/** What the company decided, read once per write. */
export interface AccessPolicy {
  defaultRole: CompanyRole;
  requireGroupMembership: boolean;
  mappings: GroupRoleMappingEntity[];
  /**
   * The role each group gives its direct user members: every mapped group, and every group
   * nested inside one (a user in a group inside a mapped group gets the mapping's role),
   * the highest where several apply. Empty when there are no mappings.
   */
  groupRoles: Map<string, CompanyRole>;
}

/**
 * The mapped groups (by id or by displayName) and, through `members` of type group, every
 * group below them, each with the mapping's role. UNION (not UNION ALL) keeps the walk finite
 * even if a cycle slipped in; the (groupId, memberType) index serves each step, so a step
 * never reads a big group's user rows.
 */
const GROUP_ROLES_SQL = `WITH RECURSIVE
  mapped("groupId", "role") AS (
    SELECT g."id", r."role" FROM "group_role_mappings" r
      JOIN "scim_groups" g ON g."companyId" = r."companyId" AND g."id" = r."groupId"
     WHERE r."companyId" = $1
    UNION
    SELECT g."id", r."role" FROM "group_role_mappings" r
      JOIN "scim_groups" g ON g."companyId" = r."companyId" AND g."displayNameKey" = r."displayNameKey"
     WHERE r."companyId" = $1),
  below("groupId", "role") AS (
    SELECT "groupId", "role" FROM mapped
    UNION
    SELECT gm."memberId", b."role" FROM "scim_group_members" gm
      JOIN below b ON gm."groupId" = b."groupId"
     WHERE gm."memberType" = 'group')
SELECT "groupId", "role" FROM below`;

/** Every user in these groups or in a group nested below them (same walk as above). */
const USERS_UNDER_SQL = (groups: number) => `WITH RECURSIVE
  tree("id") AS (
    SELECT "id" FROM "scim_groups" WHERE "companyId" = $1 AND "id" IN (${sqlPlaceholders(groups, 2)})
    UNION
    SELECT gm."memberId" FROM "scim_group_members" gm JOIN tree t ON gm."groupId" = t."id"
     WHERE gm."memberType" = 'group')
SELECT DISTINCT gm."memberId" AS "id" FROM "scim_group_members" gm JOIN tree t ON gm."groupId" = t."id"
 WHERE gm."memberType" = 'user'`;

const CHUNK = 500;

/**
 * PostgreSQL: the access policy of company $1, its mappings and the roles they give each group
 * (GROUP_ROLES_SQL), as three JSON columns of a caller's statement: a SCIM write reads them
 * with its other rows in one round trip (issue 16). Parsed by policyFromColumns.
 */
export const POLICY_POSTGRES_COLUMNS = `(SELECT json_build_object('defaultRole', p."defaultRole",
            'requireGroupMembership', p."requireGroupMembership")::text
     FROM "access_policies" p WHERE p."companyId" = $1) AS "accessPolicy",
  (SELECT json_agg(json_build_object('id', m."id", 'companyId', m."companyId", 'groupId', m."groupId",
            'displayName', m."displayName", 'displayNameKey', m."displayNameKey", 'role', m."role",
            'createdAt', m."createdAt", 'createdBy', m."createdBy") ORDER BY m."createdAt", m."id")::text
     FROM "group_role_mappings" m WHERE m."companyId" = $1) AS "accessMappings",
  (SELECT json_agg(json_build_object('groupId', x."groupId", 'role', x."role"))::text
     FROM (${GROUP_ROLES_SQL}) x) AS "accessGroupRoles"`;

/** The policy read through POLICY_POSTGRES_COLUMNS. */
export function policyFromColumns(row: Record<string, unknown>): AccessPolicy {
  const parse = <T>(value: unknown): T | null =>
    typeof value === 'string' ? (JSON.parse(value) as T) : null;
  const mappings = (parse<Record<string, unknown>[]>(row.accessMappings) ?? []).map((mapping) =>
    Object.assign(new GroupRoleMappingEntity(), mapping, {
      createdAt: new Date(Number(mapping.createdAt)),
    }),
  );
  return accessPolicy(
    parse<{ defaultRole: CompanyRole; requireGroupMembership: boolean }>(row.accessPolicy),
    mappings,
    parse<{ groupId: string; role: CompanyRole }[]>(row.accessGroupRoles) ?? [],
  );
}

/** A policy from its parts, as either engine read them; the highest role where several apply. */
function accessPolicy(
  policy: { defaultRole: CompanyRole | null; requireGroupMembership: unknown } | null | undefined,
  mappings: GroupRoleMappingEntity[],
  groupRoleRows: { groupId: string; role: CompanyRole }[],
): AccessPolicy {
  const groupRoles = new Map<string, CompanyRole>();
  for (const { groupId, role } of groupRoleRows) {
    const current = groupRoles.get(groupId);
    groupRoles.set(groupId, current ? higherRole(current, role) : role);
  }
  return {
    defaultRole: policy?.defaultRole ?? DEFAULT_PROVISIONED_ROLE,
    requireGroupMembership: sqlBoolean(policy?.requireGroupMembership),
    mappings,
    groupRoles,
  };
}

export interface PolicyChange {
  defaultRole?: CompanyRole;
  requireGroupMembership?: boolean;
}

export interface MappingTarget {
  groupId?: string;
  displayName?: string;
  role: CompanyRole;
}

/** One change of group-based access, as the preview takes it: exactly one of the three. */
export interface AccessChange {
  policy?: PolicyChange;
  addMapping?: MappingTarget;
  removeMappingId?: string;
}

/**
 * Group-based access: a managed member's role is the highest role among the mapped groups its
 * SCIM user belongs to, else the company's default; when the company requires group
 * membership, only users in at least one mapped group may enter. With no mappings at all,
 * SCIM does not manage roles (linked members keep theirs, new ones get the default), so
 * turning SCIM on never demotes an owner.
 */
@Injectable()
export class AccessService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly members: MembersService,
  ) {}

  async policy(manager: EntityManager, companyId: CompanyId): Promise<AccessPolicy> {
    // Read on every SCIM write on SQLite (PostgreSQL reads it with the write's other rows,
    // POLICY_POSTGRES_COLUMNS): plain SQL, not the repositories' entity machinery, and one
    // statement for the policy and the mappings.
    // A row per mapping, the policy's columns on each; one row of nulls for neither.
    const rows = await rawQuery<Record<string, unknown>>(
      manager,
      `SELECT p."defaultRole" AS "policyDefaultRole",
              p."requireGroupMembership" AS "policyRequireGroupMembership",
              m."id", m."companyId", m."groupId", m."displayName", m."displayNameKey", m."role",
              m."createdAt", m."createdBy"
         FROM (SELECT CAST($1 AS varchar(64)) AS "companyId") c
         LEFT JOIN "access_policies" p ON p."companyId" = c."companyId"
         LEFT JOIN "group_role_mappings" m ON m."companyId" = c."companyId"
        ORDER BY m."createdAt", m."id"`,
      [companyId],
    );
    const policy = rows[0] as
      | { policyDefaultRole: CompanyRole | null; policyRequireGroupMembership: boolean | number }
      | undefined;
    const mappings = rows
      .filter((row) => row.id !== null)
      .map(({ policyDefaultRole: _role, policyRequireGroupMembership: _require, ...row }) =>
        Object.assign(new GroupRoleMappingEntity(), row, {
          createdAt: new Date(Number(row.createdAt)),
        }),
      );
    const groupRoles =
      mappings.length > 0
        ? await rawQuery<{ groupId: string; role: CompanyRole }>(manager, GROUP_ROLES_SQL, [
            companyId,
          ])
        : [];
    return accessPolicy(
      policy && {
        defaultRole: policy.policyDefaultRole,
        requireGroupMembership: policy.policyRequireGroupMembership,
      },
      mappings,
      groupRoles,
    );
  }

  /** The users in these groups, directly or through groups nested in them. */
  async usersUnder(
    manager: EntityManager,
    companyId: CompanyId,
    groupIds: string[],
  ): Promise<string[]> {
    const users = new Set<string>();
    for (let i = 0; i < groupIds.length; i += CHUNK) {
      const chunk = groupIds.slice(i, i + CHUNK);
      const rows = await rawQuery<{ id: string }>(manager, USERS_UNDER_SQL(chunk.length), [
        companyId,
        ...chunk,
      ]);
      for (const row of rows) users.add(row.id);
    }
    return [...users];
  }

  /** True when group membership cannot change anyone's access or role. */
  static inert(policy: AccessPolicy): boolean {
    return policy.mappings.length === 0 && !policy.requireGroupMembership;
  }

  /**
   * Decides access for SCIM users, given whether each is active; batched by CHUNK. With
   * `groupsOf`, each user's direct groups as the caller read them (no statement here).
   */
  async decide(
    manager: EntityManager,
    companyId: CompanyId,
    users: { id: string; active: boolean }[],
    policy: AccessPolicy,
    groupsOf?: Map<string, string[]>,
  ): Promise<AccessDecision[]> {
    const roles = new Map<string, CompanyRole>();
    const give = (userId: string, groupId: string) => {
      const role = policy.groupRoles.get(groupId);
      if (!role) return;
      const current = roles.get(userId);
      roles.set(userId, current ? higherRole(current, role) : role);
    };
    if (policy.groupRoles.size > 0 && groupsOf) {
      for (const user of users)
        for (const groupId of groupsOf.get(user.id) ?? []) give(user.id, groupId);
    } else if (policy.groupRoles.size > 0) {
      // A user's direct groups that give a role (mapped, or nested below a mapped group).
      for (let i = 0; i < users.length; i += CHUNK) {
        const ids = users.slice(i, i + CHUNK).map((user) => user.id);
        const rows = await rawQuery<{ memberId: string; groupId: string }>(
          manager,
          `SELECT "memberId", "groupId" FROM "scim_group_members"
            WHERE "companyId" = $1 AND "memberId" IN (${sqlPlaceholders(ids.length, 2)})`,
          [companyId, ...ids],
        );
        for (const row of rows) give(row.memberId, row.groupId);
      }
    }
    return users.map((user) => {
      const mapped = roles.get(user.id);
      return {
        scimUserId: user.id,
        role: policy.mappings.length === 0 ? null : (mapped ?? policy.defaultRole),
        allowed: user.active && (!policy.requireGroupMembership || mapped !== undefined),
      };
    });
  }

  /** Re-decides the given users' access (their group memberships changed), in the caller's transaction. */
  async refresh(
    manager: EntityManager,
    companyId: CompanyId,
    userIds: string[],
    policy?: AccessPolicy,
  ): Promise<void> {
    if (userIds.length === 0) return;
    const effective = policy ?? (await this.policy(manager, companyId));
    // Nothing about groups matters when there are no mappings and membership is not required.
    if (!policy && AccessService.inert(effective)) return;
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const ids = userIds.slice(i, i + CHUNK);
      const users: { id: string; active: boolean | number }[] = await manager
        .createQueryBuilder()
        .select(['u.id AS "id"', 'u.active AS "active"'])
        .from('scim_users', 'u')
        .where('u.companyId = :companyId AND u.id IN (:...ids)', { companyId, ids })
        .getRawMany();
      const decisions = await this.decide(
        manager,
        companyId,
        users.map((user) => ({ id: user.id, active: Boolean(user.active) })),
        effective,
      );
      await this.members.applyAccess(manager, companyId, decisions);
    }
  }

  /** Re-decides the access of every user in a group, nested ones too (it was renamed). */
  async refreshGroupMembers(
    manager: EntityManager,
    companyId: CompanyId,
    groupId: string,
  ): Promise<void> {
    const policy = await this.policy(manager, companyId);
    if (AccessService.inert(policy)) return;
    await this.refresh(
      manager,
      companyId,
      await this.usersUnder(manager, companyId, [groupId]),
      policy,
    );
  }

  /** Re-decides every SCIM user of the company: a mapping or the policy changed. */
  private async refreshAll(manager: EntityManager, companyId: CompanyId): Promise<void> {
    const policy = await this.policy(manager, companyId);
    let after = '';
    for (;;) {
      const page: { id: string }[] = await manager
        .createQueryBuilder()
        .select('u.id', 'id')
        .from('scim_users', 'u')
        .where('u.companyId = :companyId AND u.id > :after', { companyId, after })
        .orderBy('u.id', 'ASC')
        .limit(1000)
        .getRawMany();
      if (page.length === 0) return;
      await this.refresh(
        manager,
        companyId,
        page.map((row) => row.id),
        policy,
      );
      after = page[page.length - 1].id;
    }
  }

  async setPolicy(companyId: CompanyId, change: PolicyChange, actor: Actor): Promise<AccessPolicy> {
    return transactionWithCause(this.dataSource, causeOf(actor), (manager) =>
      this.changePolicy(manager, companyId, change, actor),
    );
  }

  async addMapping(
    companyId: CompanyId,
    target: MappingTarget,
    actor: Actor,
  ): Promise<GroupRoleMappingEntity> {
    return transactionWithCause(this.dataSource, causeOf(actor), (manager) =>
      this.insertMapping(manager, companyId, target, actor),
    );
  }

  async removeMapping(companyId: CompanyId, mappingId: string, actor: Actor): Promise<void> {
    await transactionWithCause(this.dataSource, causeOf(actor), (manager) =>
      this.deleteMapping(manager, companyId, mappingId, actor),
    );
  }

  /**
   * What a change of the policy or the mappings would do to the members, before it is made:
   * the change itself, rehearsed in a transaction that is rolled back (its member events are
   * the answer). Refused as the change would be (a 409, an owner's call) and never committed.
   */
  async preview(companyId: CompanyId, change: AccessChange, actor: Actor): Promise<PendingEvent[]> {
    const { events } = await rehearse(this.dataSource, causeOf(actor), async (manager) => {
      if (change.policy) await this.changePolicy(manager, companyId, change.policy, actor);
      else if (change.addMapping)
        await this.insertMapping(manager, companyId, change.addMapping, actor);
      else if (change.removeMappingId)
        await this.deleteMapping(manager, companyId, change.removeMappingId, actor);
    });
    return events;
  }

  private async changePolicy(
    manager: EntityManager,
    companyId: CompanyId,
    change: PolicyChange,
    actor: Actor,
  ): Promise<AccessPolicy> {
    const current = await this.policy(manager, companyId);
    // The default role is what provisioned people get: making it owner, or taking owner
    // away from them, is an owner's call.
    requireOwnerToTouchOwners(
      actor,
      change.defaultRole !== undefined &&
        change.defaultRole !== current.defaultRole &&
        (change.defaultRole === 'owner' || current.defaultRole === 'owner'),
    );
    const next = {
      defaultRole: change.defaultRole ?? current.defaultRole,
      requireGroupMembership: change.requireGroupMembership ?? current.requireGroupMembership,
    };
    if (next.requireGroupMembership && current.mappings.length === 0) {
      throw new ConflictException(
        'Map at least one SCIM group to a role before requiring group membership; otherwise nobody could enter',
      );
    }
    await manager
      .getRepository(AccessPolicyEntity)
      .save({ companyId, ...next, updatedAt: new Date(), updatedBy: actorId(actor) });
    await this.refreshAll(manager, companyId);
    return this.policy(manager, companyId);
  }

  private async insertMapping(
    manager: EntityManager,
    companyId: CompanyId,
    target: MappingTarget,
    actor: Actor,
  ): Promise<GroupRoleMappingEntity> {
    if (!target.groupId === !target.displayName) {
      throw new BadRequestException(['give either groupId or displayName']);
    }
    requireOwnerToTouchOwners(actor, target.role === 'owner');
    if (target.groupId) {
      const exists = isUuid(target.groupId)
        ? await manager
            .createQueryBuilder()
            .select('g.id')
            .from('scim_groups', 'g')
            .where('g.companyId = :companyId AND g.id = :id', { companyId, id: target.groupId })
            .getRawOne()
        : undefined;
      if (!exists)
        throw new BadRequestException([
          `groupId ${target.groupId} is not a SCIM group of this company`,
        ]);
    }
    const mapping = manager.getRepository(GroupRoleMappingEntity).create({
      id: uuidv7(),
      companyId,
      groupId: target.groupId ?? null,
      displayName: target.displayName ?? null,
      displayNameKey: target.displayName ? foldCase(target.displayName) : null,
      role: target.role,
      createdAt: new Date(),
      createdBy: actorId(actor),
    });
    await manager.getRepository(GroupRoleMappingEntity).insert(mapping);
    await this.refreshAll(manager, companyId);
    return mapping;
  }

  private async deleteMapping(
    manager: EntityManager,
    companyId: CompanyId,
    mappingId: string,
    actor: Actor,
  ): Promise<void> {
    const repository = manager.getRepository(GroupRoleMappingEntity);
    const mapping = isUuid(mappingId)
      ? await repository.findOneBy({ companyId, id: mappingId })
      : null;
    if (!mapping) throw new NotFoundException('Mapping not found');
    requireOwnerToTouchOwners(actor, mapping.role === 'owner');
    const policy = await this.policy(manager, companyId);
    if (policy.requireGroupMembership && policy.mappings.length === 1) {
      throw new ConflictException(
        'This is the last mapping while group membership is required: turn that off first',
      );
    }
    await repository.delete({ companyId, id: mappingId });
    await this.refreshAll(manager, companyId);
  }
}
