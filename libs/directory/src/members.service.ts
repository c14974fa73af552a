import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { CompanyId, CompanyRole, rawQuery, sqlBoolean } from '@app/common';
import { MemberEntity, MemberStatus } from './member.entity';

/** What provisioning decided about one SCIM user's access (group-based access rules). */
export interface AccessDecision {
  scimUserId: string;
  /** The role the member must have; null leaves the member's role as it is. */
  role: CompanyRole | null;
  /** Whether the member may enter: the user is active and, if required, in a mapped group. */
  allowed: boolean;
}

/** What provisioning tells the directory about one SCIM user, inside its transaction. */
export interface ScimUserLink extends AccessDecision {
  /** The email that links the user to a member, as sent; null when the user has none. */
  email: string | null;
  /** The same, case-folded. */
  emailKey: string | null;
  /** The role a member created now gets when the decision names none (the company default). */
  newMemberRole: CompanyRole;
}

const ROLE_ORDER: CompanyRole[] = ['member', 'admin', 'owner'];

/** The higher of two roles (owner > admin > member). */
export function higherRole(a: CompanyRole, b: CompanyRole): CompanyRole {
  return ROLE_ORDER.indexOf(a) >= ROLE_ORDER.indexOf(b) ? a : b;
}

/** The role given to people an IdP provisions, until group mappings say otherwise. */
export const DEFAULT_PROVISIONED_ROLE: CompanyRole = 'member';

@Injectable()
export class MembersService {
  /**
   * Makes the company's members follow a SCIM user, in the caller's transaction: the member
   * whose email matches is linked (or created, source `scim`) and managed; its access and role
   * follow the decision. When the user's email changed, the member of the old email is released.
   */
  async syncScimUser(
    manager: EntityManager,
    companyId: CompanyId,
    link: ScimUserLink,
  ): Promise<void> {
    const now = new Date();
    const linked = await rawQuery<{ id: string; emailKey: string }>(
      manager,
      'SELECT "id", "emailKey" FROM "members" WHERE "companyId" = $1 AND "scimUserId" = $2',
      [companyId, link.scimUserId],
    );
    for (const member of linked) {
      if (member.emailKey !== link.emailKey) {
        // The IdP moved this user to another email: the old membership no longer has an owner.
        await rawQuery(
          manager,
          `UPDATE "members" SET "scimUserId" = NULL, "status" = 'deprovisioned', "updatedAt" = $3
            WHERE "companyId" = $1 AND "id" = $2`,
          [companyId, member.id, now],
        );
      }
    }
    if (!link.emailKey || !link.email) return;
    const status: MemberStatus = link.allowed ? 'active' : 'suspended';
    const [existing] = await rawQuery<{
      id: string;
      scimUserId: string | null;
      status: MemberStatus;
      managed: boolean | number;
      role: CompanyRole;
    }>(
      manager,
      `SELECT "id", "scimUserId", "status", "managed", "role" FROM "members"
        WHERE "companyId" = $1 AND "emailKey" = $2`,
      [companyId, link.emailKey],
    );
    if (existing) {
      const role = link.role ?? existing.role;
      const changed =
        existing.scimUserId !== link.scimUserId ||
        existing.status !== status ||
        !sqlBoolean(existing.managed) ||
        existing.role !== role;
      if (changed) {
        await rawQuery(
          manager,
          `UPDATE "members" SET "scimUserId" = $3, "managed" = $4, "status" = $5, "role" = $6,
                  "updatedAt" = $7
            WHERE "companyId" = $1 AND "id" = $2`,
          [companyId, existing.id, link.scimUserId, true, status, role, now],
        );
      }
      return;
    }
    await rawQuery(
      manager,
      `INSERT INTO "members" ("id", "companyId", "email", "emailKey", "role", "status", "source",
                              "managed", "scimUserId", "createdAt", "updatedAt")
       VALUES ($1, $2, $3, $4, $5, $6, 'scim', $7, $8, $9, $9)`,
      [
        uuidv7(),
        companyId,
        link.email,
        link.emailKey,
        link.role ?? link.newMemberRole,
        status,
        true,
        link.scimUserId,
        now,
      ],
    );
  }

  /**
   * Applies access decisions to the members of many SCIM users at once (a group's membership
   * or a mapping changed): one UPDATE per distinct outcome, touching only rows that differ.
   */
  async applyAccess(
    manager: EntityManager,
    companyId: CompanyId,
    decisions: AccessDecision[],
  ): Promise<void> {
    const outcomes = new Map<
      string,
      { role: CompanyRole | null; status: MemberStatus; ids: string[] }
    >();
    for (const decision of decisions) {
      const status: MemberStatus = decision.allowed ? 'active' : 'suspended';
      const key = `${decision.role}:${status}`;
      const outcome = outcomes.get(key) ?? { role: decision.role, status, ids: [] };
      outcome.ids.push(decision.scimUserId);
      outcomes.set(key, outcome);
    }
    const now = Date.now();
    for (const { role, status, ids } of outcomes.values()) {
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const query = manager
          .createQueryBuilder()
          .update(MemberEntity)
          .set(
            role
              ? { status, role, updatedAt: new Date(now) }
              : { status, updatedAt: new Date(now) },
          )
          .where('companyId = :companyId AND scimUserId IN (:...chunk)', { companyId, chunk });
        if (role) query.andWhere('(status <> :status OR role <> :role)', { status, role });
        else query.andWhere('status <> :status', { status });
        await query.execute();
      }
    }
  }

  /** The SCIM user is deleted: its member loses access in the same transaction. */
  async releaseDeletedScimUser(
    manager: EntityManager,
    companyId: CompanyId,
    scimUserId: string,
  ): Promise<void> {
    await manager
      .getRepository(MemberEntity)
      .update(
        { companyId, scimUserId },
        { scimUserId: null, status: 'deprovisioned', updatedAt: new Date() },
      );
  }
}
