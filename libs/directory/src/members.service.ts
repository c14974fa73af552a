import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { CompanyId, CompanyRole, rawQuery, sqlBoolean, sqlPlaceholders } from '@app/common';
import { MemberState, recordMemberChange, writeAtCommit } from '@app/events';
import { MemberStatus } from './member.entity';

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

/** A member a SCIM user is linked to, or the member of its email, as syncScimUser reads it. */
export type LinkedMember = MemberState & {
  emailKey: string;
  scimUserId: string | null;
  managed: boolean | number;
};

/** The members syncScimUser needs, read beforehand in a statement of the caller's. */
export interface LinkedMembers {
  /** The email key they were read for (with the SCIM user's id). */
  emailKey: string | null;
  rows: LinkedMember[];
}

/**
 * PostgreSQL: the members of SCIM user `$scimUser` and of email `$emailKey` in company $1, as
 * JSON text, for a caller that reads them in a statement of its own (each statement is a round
 * trip there; issue 16). The same rows as syncScimUser's own read (two index lookups, see
 * LINKED_MEMBERS_SQL); parsed by linkedMembersOf.
 */
export function linkedMembersJsonSql(scimUserParam: string, emailKeyParam: string): string {
  return `(SELECT json_agg(json_build_object('id', m."id", 'email', m."email", 'emailKey', m."emailKey",
            'scimUserId', m."scimUserId", 'status', m."status", 'managed', m."managed",
            'role', m."role", 'source', m."source"))::text
     FROM (SELECT * FROM "members" WHERE "companyId" = $1 AND "scimUserId" = ${scimUserParam}
           UNION
           SELECT * FROM "members" WHERE "companyId" = $1 AND "emailKey" = ${emailKeyParam}) m)`;
}

/** The rows of linkedMembersJsonSql. */
export function linkedMembersOf(emailKey: string | null, json: unknown): LinkedMembers {
  return { emailKey, rows: typeof json === 'string' ? (JSON.parse(json) as LinkedMember[]) : [] };
}

/**
 * The same members as one statement of two lookups, each on its index. With `scimUserId = $2
 * OR emailKey = $3` SQLite walked the company's members (1.4 ms at 10,000, a third of a POST),
 * and UNION made it merge in id order along another index; UNION ALL keeps both lookups and
 * leaves a member found twice to distinctById.
 */
const LINKED_MEMBERS_SQL = `SELECT "id", "email", "emailKey", "scimUserId", "status", "managed", "role", "source"
    FROM "members" WHERE "companyId" = $1 AND "scimUserId" = $2
  UNION ALL
  SELECT "id", "email", "emailKey", "scimUserId", "status", "managed", "role", "source"
    FROM "members" WHERE "companyId" = $1 AND "emailKey" = $3`;

function distinctById(rows: LinkedMember[]): LinkedMember[] {
  const seen = new Set<string>();
  return rows.filter((row) => !seen.has(row.id) && seen.add(row.id));
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
    known?: LinkedMembers,
  ): Promise<void> {
    const now = new Date();
    // One read for both questions (on PostgreSQL every statement is a round trip): the members
    // this SCIM user is linked to, and the member of its email; none when the caller read them
    // for this email already. The writes wait for the commit (writeAtCommit): each touches
    // another member row, and nothing in the transaction reads them again.
    const rows =
      known && known.emailKey === link.emailKey
        ? known.rows
        : distinctById(
            await rawQuery<LinkedMember>(manager, LINKED_MEMBERS_SQL, [
              companyId,
              link.scimUserId,
              link.emailKey,
            ]),
          );
    const linked = rows.filter((member) => member.scimUserId === link.scimUserId);
    for (const member of linked) {
      if (member.emailKey !== link.emailKey) {
        // The IdP moved this user to another email: the old membership no longer has an owner.
        await writeAtCommit(
          manager,
          `UPDATE "members" SET "scimUserId" = NULL, "status" = 'deprovisioned', "updatedAt" = $3
            WHERE "companyId" = $1 AND "id" = $2`,
          [companyId, member.id, now],
        );
        recordMemberChange(manager, companyId, member, { ...member, status: 'deprovisioned' });
      }
    }
    if (!link.emailKey || !link.email) return;
    const status: MemberStatus = link.allowed ? 'active' : 'suspended';
    // Releasing the old links above never touched this one (its email is the link's).
    const existing = rows.find((member) => member.emailKey === link.emailKey);
    if (existing) {
      const role = link.role ?? existing.role;
      // Only the columns that change are set: SQLite rewrites the entry of every index over a
      // column the SET names (a deactivation changes the status alone; issue 16).
      const changes = [
        existing.scimUserId !== link.scimUserId && (['scimUserId', link.scimUserId] as const),
        !sqlBoolean(existing.managed) && (['managed', true] as const),
        existing.status !== status && (['status', status] as const),
        existing.role !== role && (['role', role] as const),
      ].filter((change) => change !== false);
      if (changes.length > 0) {
        const set = changes.map(([column], i) => `"${column}" = $${i + 4}`);
        await writeAtCommit(
          manager,
          `UPDATE "members" SET ${set.join(', ')}, "updatedAt" = $3
            WHERE "companyId" = $1 AND "id" = $2`,
          [companyId, existing.id, now, ...changes.map(([, value]) => value)],
        );
        recordMemberChange(manager, companyId, existing, { ...existing, status, role });
      }
      return;
    }
    const created: MemberState = {
      id: uuidv7(),
      email: link.email,
      role: link.role ?? link.newMemberRole,
      status,
      source: 'scim',
    };
    await writeAtCommit(
      manager,
      `INSERT INTO "members" ("id", "companyId", "email", "emailKey", "role", "status", "source",
                              "managed", "scimUserId", "createdAt", "updatedAt")
       VALUES ($1, $2, $3, $4, $5, $6, 'scim', $7, $8, $9, $9)`,
      [
        created.id,
        companyId,
        created.email,
        link.emailKey,
        created.role,
        status,
        true,
        link.scimUserId,
        now,
      ],
    );
    recordMemberChange(manager, companyId, null, created);
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
    const now = new Date();
    // PostgreSQL: the rows are locked as they are read, so the events report what the update
    // really changed even while another transaction changes the same members.
    const lock = manager.connection.options.type === 'postgres' ? ' FOR UPDATE' : '';
    for (const { role, status, ids } of outcomes.values()) {
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        // Only the members whose access differs: they are the ones updated and reported.
        const differs = role ? '("status" <> $2 OR "role" <> $3)' : '"status" <> $2';
        const compared = role ? [status, role] : [status];
        const members = await rawQuery<MemberState>(
          manager,
          `SELECT "id", "email", "status", "role", "source" FROM "members"
            WHERE "companyId" = $1 AND ${differs}
              AND "scimUserId" IN (${sqlPlaceholders(chunk.length, compared.length + 2)})${lock}`,
          [companyId, ...compared, ...chunk],
        );
        if (members.length === 0) continue;
        await rawQuery(
          manager,
          `UPDATE "members" SET "status" = $2, "role" = COALESCE($3, "role"), "updatedAt" = $4
            WHERE "companyId" = $1 AND "id" IN (${sqlPlaceholders(members.length, 5)})`,
          [companyId, status, role, now, ...members.map((member) => member.id)],
        );
        for (const member of members) {
          recordMemberChange(manager, companyId, member, {
            ...member,
            status,
            role: role ?? member.role,
          });
        }
      }
    }
  }

  /** The SCIM user is deleted: its member loses access in the same transaction. */
  async releaseDeletedScimUser(
    manager: EntityManager,
    companyId: CompanyId,
    scimUserId: string,
  ): Promise<void> {
    const members = await rawQuery<MemberState>(
      manager,
      `SELECT "id", "email", "status", "role", "source" FROM "members"
        WHERE "companyId" = $1 AND "scimUserId" = $2`,
      [companyId, scimUserId],
    );
    if (members.length === 0) return;
    await rawQuery(
      manager,
      `UPDATE "members" SET "scimUserId" = NULL, "status" = 'deprovisioned', "updatedAt" = $3
        WHERE "companyId" = $1 AND "scimUserId" = $2`,
      [companyId, scimUserId, new Date()],
    );
    for (const member of members) {
      recordMemberChange(manager, companyId, member, { ...member, status: 'deprovisioned' });
    }
  }
}
