import { CompanyRole } from '@app/common';

/** Why a membership is stale: the rules of the README, one word each. */
export type StaleReason =
  /** (a) the SCIM user is inactive, deleted or outside the required groups, but the member still has access */
  | 'access_not_revoked'
  /** (b) the SCIM user is active, but the member's access was removed outside SCIM */
  | 'access_removed_outside_scim'
  /** (c) the member's role differs from the role its mapped groups give */
  | 'role_mismatch'
  /** (d) the SCIM configuration was deleted or every token revoked: nothing provisions it any more */
  | 'scim_removed'
  /** an unmanaged member whose email matches an active SCIM user */
  | 'unlinked';

export const STALE_REASONS: StaleReason[] = [
  'access_not_revoked',
  'access_removed_outside_scim',
  'role_mismatch',
  'scim_removed',
  'unlinked',
];

/** What the drift SQL needs to know about the company, decided in code first. */
export interface DriftContext {
  /** SSO configured, SCIM on and at least one usable token. */
  scimActive: boolean;
  requireGroupMembership: boolean;
  /** Whether any group mapping exists: only then does SCIM manage roles. */
  rolesManaged: boolean;
  defaultRole: CompanyRole;
  /** The role each group gives its direct users (AccessPolicy.groupRoles): mapped and nested. */
  groupRoles: Map<string, CompanyRole>;
}

/** Group ids are UUIDs this service made; anything else never reaches the SQL text. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const RANK: Record<CompanyRole, number> = { member: 1, admin: 2, owner: 3 };

/**
 * SQL expressions over `members m LEFT JOIN scim_users u ON u.id = m."scimUserId"`, for one
 * company: the access and role SCIM says each managed member should have, and the first
 * stale reason that applies. Literals come from DriftContext (computed in code), never from a
 * request. Evaluated by the database, so counting and listing stale members stays in SQL.
 */
export function driftExpressions(context: DriftContext) {
  // The highest rank among the user's direct groups that give a role (nesting was resolved
  // in code: DriftContext.groupRoles).
  const ranked = [...context.groupRoles].filter(([groupId]) => UUID.test(groupId));
  const mappedRank = ranked.length
    ? `(SELECT MAX(CASE gm."groupId" ${ranked.map(([groupId, role]) => `WHEN '${groupId}' THEN ${RANK[role]}`).join(' ')} END)
      FROM "scim_group_members" gm
      WHERE gm."memberId" = u."id" AND gm."companyId" = m."companyId"
        AND gm."groupId" IN (${ranked.map(([groupId]) => `'${groupId}'`).join(', ')}))`
    : 'NULL';
  const allowed = context.requireGroupMembership
    ? `(u."active" = TRUE AND ${context.rolesManaged ? `${mappedRank} IS NOT NULL` : '1=0'})`
    : `(u."active" = TRUE)`;
  const expectedRole = context.rolesManaged
    ? `(CASE COALESCE(${mappedRank}, ${RANK[context.defaultRole]}) WHEN 3 THEN 'owner' WHEN 2 THEN 'admin' ELSE 'member' END)`
    : 'NULL';
  // Written so that the planner looks the email up in its index: no ORDER BY (it would walk
  // the id index of every user of the company) and `active` wrapped so that the (companyId,
  // active) index does not look attractive either.
  const unlinkedUser = `(SELECT x."id" FROM "scim_users" x WHERE x."companyId" = m."companyId" AND x."linkEmailKey" = m."emailKey" AND COALESCE(x."active", FALSE) = TRUE LIMIT 1)`;
  const reason = `(CASE
      WHEN m."managed" = TRUE AND ${context.scimActive ? '1=0' : '1=1'} THEN 'scim_removed'
      WHEN m."managed" = TRUE AND m."status" = 'active' AND (u."id" IS NULL OR NOT ${allowed}) THEN 'access_not_revoked'
      WHEN m."managed" = TRUE AND m."status" <> 'active' AND u."id" IS NOT NULL AND ${allowed} THEN 'access_removed_outside_scim'
      WHEN m."managed" = TRUE AND u."id" IS NOT NULL AND ${context.rolesManaged ? `m."role" <> ${expectedRole}` : '1=0'} THEN 'role_mismatch'
      WHEN m."managed" = FALSE AND ${context.scimActive ? `${unlinkedUser} IS NOT NULL` : '1=0'} THEN 'unlinked'
      ELSE NULL END)`;
  return {
    reason,
    allowed: `(CASE WHEN u."id" IS NOT NULL AND ${allowed} THEN 1 ELSE 0 END)`,
    expectedRole,
    unlinkedUser,
  };
}
