import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import {
  CompanyId,
  CompanyScans,
  EventCause,
  ProvisioningWarning,
  rawQuery,
  rawReturning,
  readCheckingCause,
  settleCauseCheck,
  sqlPlaceholders,
  transactionCause,
} from '@app/common';
import { recordEvent, recordMembershipChange, writeAtCommit } from '@app/events';
import { PendingTokenCheck } from '@app/tokens';
import {
  applyPatch,
  findAttribute,
  foldCase,
  GROUP_RESOURCE,
  isPlainObject,
  liftCoreAttributes,
  matchesValueFilter,
  normalizeResource,
  parsePatchPath,
  parsePatchRequest,
  PatchOperation,
  PatchPath,
  requireAttributes,
  requireResourceSize,
  ResourceDocument,
  ResourceSchema,
  ScimError,
  searchDocument,
} from '@app/scim-protocol';
import { AccessService } from '../access/access.service';
import { ListRequest } from '../query/list-request';
import { adjustResourceCount, resourceCount, scimWrite } from '../query/resource-writes';
import { PageAnchors } from '../query/page-anchors';
import { ListPage, listResources } from '../query/resource-list';
import { checkIfMatch } from '../resource-version';
import { GROUP_ROW_COLUMNS, GroupMember, GroupRow } from './group.resource';
import { GROUP_TABLE } from './group-table';
import { GroupMemberType, ScimGroupEntity, ScimGroupMemberEntity } from './scim-group.entity';

/** Rows per INSERT / IN list: well under SQLite's 32,766 bound parameters. */
const BATCH = 500;
/** Bound on the members one request may name. */
export const MAX_MEMBERS_PER_REQUEST = 100_000;

/** The Group schema without `members`: the document part, which PATCH edits in memory. */
const GROUP_DOCUMENT: ResourceSchema = {
  ...GROUP_RESOURCE,
  core: {
    ...GROUP_RESOURCE.core,
    attributes: GROUP_RESOURCE.core.attributes.filter((a) => a.name !== 'members'),
  },
};
const MEMBERS = findAttribute(GROUP_RESOURCE.core.attributes, 'members')!;

interface IncomingMember {
  value: string;
  display: string | null;
}

/** An incoming member found in this company, with what it is. */
interface ResolvedMember extends IncomingMember {
  type: GroupMemberType;
}

/**
 * A member id that names no user and no group of this company, skipped rather than refused:
 * Okta treats a 400 on a group push as final and drops the whole push (fleetdm/fleet#52600),
 * and it sends stale ids after a user was deleted or a database restored; Entra's own test
 * suite sends made-up ids. Another company's id is skipped exactly like a made-up one.
 */
export interface SkippedMember {
  id: string;
  reason: string;
}

/** Member ids by type: users and groups. */
interface MemberChange {
  users: string[];
  groups: string[];
}

/** What a group write did to its memberships. */
interface MembershipDelta {
  added: MemberChange;
  removed: MemberChange;
}

const NO_CHANGE = (): MemberChange => ({ users: [], groups: [] });

function added(change: MemberChange): MembershipDelta {
  return { added: change, removed: NO_CHANGE() };
}

function removed(change: MemberChange): MembershipDelta {
  return { added: NO_CHANGE(), removed: change };
}

/** Everyone who joined or left. */
function joinedOrLeft(delta: MembershipDelta): MemberChange {
  return {
    users: [...delta.added.users, ...delta.removed.users],
    groups: [...delta.added.groups, ...delta.removed.groups],
  };
}

/** The membership events of a write (nothing for a list that did not change). */
function recordMembershipDelta(
  manager: EntityManager,
  group: ScimGroupEntity,
  delta: MembershipDelta,
): void {
  recordMembershipChange(manager, group.companyId, 'group.members_added', group.id, delta.added);
  recordMembershipChange(
    manager,
    group.companyId,
    'group.members_removed',
    group.id,
    delta.removed,
  );
}

/** `data` of the group.* events (CONTRACT.md). */
function groupEventData(manager: EntityManager, group: ScimGroupEntity): Record<string, unknown> {
  return {
    groupId: group.id,
    displayName: group.displayName,
    externalId: group.externalId,
    cause: transactionCause(manager),
  };
}

/** A group write's result, with the member ids it skipped (for the provisioning log). */
export interface GroupWrite {
  group: ScimGroupEntity;
  skipped: SkippedMember[];
}

const NOT_IN_COMPANY = 'not a user or group of this company';

/** The provisioning log's warnings for the member ids a group write skipped. */
export function skippedMemberWarnings(
  method: string,
  groupId: string,
  status: number,
  skipped: SkippedMember[],
): ProvisioningWarning[] {
  return skipped.map((member) => ({
    method,
    resourceType: 'Groups',
    resourceId: groupId,
    status,
    // The id is the client's own text: bounded, and never anything of another company.
    detail: `members: "${member.id.slice(0, 100)}" skipped: ${member.reason}`,
  }));
}

/**
 * Whether `groupId` lies at or below any candidate: adding such a candidate as a member of
 * `groupId` would close a cycle. Returns the candidate that would.
 */
const CYCLE_SQL = (candidates: number) => `WITH RECURSIVE
  below("root", "id") AS (
    SELECT "id", "id" FROM "scim_groups" WHERE "companyId" = $1 AND "id" IN (${sqlPlaceholders(candidates, 3)})
    UNION
    SELECT b."root", gm."memberId" FROM "scim_group_members" gm JOIN below b ON gm."groupId" = b."id"
     WHERE gm."memberType" = 'group')
SELECT "root" FROM below WHERE "id" = $2 LIMIT 1`;

const invalidValue = (detail: string) => ScimError.badRequest('invalidValue', detail);

/** A group's row as its entity's columns (the search document is not read). */
const GROUP_SQL = `SELECT "id", "displayName", "displayNameKey", "externalId", "document", "memberCount",
       "version", "createdAt", "updatedAt"
  FROM "scim_groups" WHERE "companyId" = $1 AND "id" = $2`;
/** The same, for a change: PostgreSQL locks the row. */
const LOCKED_GROUP_POSTGRES_SQL = `${GROUP_SQL} FOR UPDATE`;

/** A group entity of a GROUP_SQL row. */
function groupOf(companyId: CompanyId, row: Record<string, unknown>): ScimGroupEntity {
  return Object.assign(new ScimGroupEntity(), {
    id: row.id as string,
    companyId,
    displayName: row.displayName as string,
    displayNameKey: row.displayNameKey as string,
    externalId: (row.externalId as string | null) ?? null,
    document: JSON.parse(row.document as string) as Record<string, unknown>,
    memberCount: Number(row.memberCount),
    version: Number(row.version),
    createdAt: new Date(Number(row.createdAt)),
    updatedAt: new Date(Number(row.updatedAt)),
  });
}

/** A group whose members changed and nothing else (GroupsService.update). */
const GROUP_MEMBERS_CHANGED_SQL = `UPDATE "scim_groups" SET "memberCount" = $3, "version" = $4, "updatedAt" = $5
  WHERE "companyId" = $1 AND "id" = $2`;

/**
 * SCIM Groups. Memberships are rows, changed by difference: adding or removing one member costs
 * the same few queries in a group of 10 or of 100,000, and no write ever reloads the whole list
 * (except a full-list replace, which must compare against it).
 */
@Injectable()
export class GroupsService {
  /** Page starts of /Groups lists, per company (see PageAnchors). */
  private readonly anchors = new PageAnchors();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly scans: CompanyScans,
  ) {}

  /** One group, for a SCIM GET; a pending token check (TokenCheckedInRead) rides in its read. */
  async get(companyId: CompanyId, id: string, check?: PendingTokenCheck): Promise<ScimGroupEntity> {
    if (!isUuid(id)) throw ScimError.notFound(`Group ${id} not found`);
    const [row] = check
      ? await check.read<Record<string, unknown>>(GROUP_SQL, [companyId, id])
      : await rawQuery<Record<string, unknown>>(this.dataSource, GROUP_SQL, [companyId, id]);
    if (!row) throw ScimError.notFound(`Group ${id} not found`);
    return groupOf(companyId, row);
  }

  async list(
    companyId: CompanyId,
    request: ListRequest,
    check?: PendingTokenCheck,
  ): Promise<ListPage<GroupRow>> {
    return listResources<GroupRow>({
      companyId,
      table: GROUP_TABLE,
      columns: GROUP_ROW_COLUMNS,
      anchors: { cache: this.anchors, scope: companyId },
      request,
      unfilteredTotal: () => resourceCount(this.dataSource, companyId, 'groups'),
      dataSource: this.dataSource,
      reader: (sql, parameters) => this.scans.all(companyId, sql, parameters),
      firstRead: check,
    });
  }

  /** The members of these groups, in one query, ordered for stable output. */
  async membersOf(companyId: CompanyId, groupIds: string[]): Promise<Map<string, GroupMember[]>> {
    const result = new Map<string, GroupMember[]>(groupIds.map((id) => [id, []]));
    for (let i = 0; i < groupIds.length; i += BATCH) {
      const rows = await this.dataSource.getRepository(ScimGroupMemberEntity).find({
        where: { companyId, groupId: In(groupIds.slice(i, i + BATCH)) },
        order: { groupId: 'ASC', memberId: 'ASC' },
      });
      for (const row of rows)
        result
          .get(row.groupId)!
          .push({ value: row.memberId, display: row.display, type: row.memberType });
    }
    return result;
  }

  /** The groups these users belong to directly (the User resource's `groups`, RFC 7643 §4.1.2). */
  async groupsOf(
    companyId: CompanyId,
    userIds: string[],
  ): Promise<Map<string, { value: string; display: string }[]>> {
    const result = new Map<string, { value: string; display: string }[]>(
      userIds.map((id) => [id, []]),
    );
    for (let i = 0; i < userIds.length; i += BATCH) {
      const ids = userIds.slice(i, i + BATCH);
      const rows = await rawQuery<{ memberId: string; groupId: string; displayName: string }>(
        this.dataSource,
        `SELECT gm."memberId" AS "memberId", g."id" AS "groupId", g."displayName" AS "displayName"
           FROM "scim_group_members" gm JOIN "scim_groups" g ON g."id" = gm."groupId"
          WHERE gm."companyId" = $1 AND gm."memberId" IN (${sqlPlaceholders(ids.length, 2)})
          ORDER BY g."displayNameKey"`,
        [companyId, ...ids],
      );
      for (const row of rows)
        result.get(row.memberId)?.push({ value: row.groupId, display: row.displayName });
    }
    return result;
  }

  async create(
    companyId: CompanyId,
    cause: EventCause,
    body: unknown,
  ): Promise<GroupWrite & { members: GroupMember[] }> {
    const { document, members } = this.validated(body);
    const now = new Date();
    const group = Object.assign(new ScimGroupEntity(), {
      id: uuidv7(),
      companyId,
      memberCount: 0,
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
    this.fill(group, document);
    return this.write(companyId, cause, async (manager) => {
      // The members first (a group just made can be in no group, so no cycle; on PostgreSQL
      // their lookup carries the token's pending check, which a group without members settles
      // before its first write), then the row with its count, then the rows that name it.
      const skipped: SkippedMember[] = [];
      const incoming = await this.resolve(manager, group, dedupe(members ?? []), skipped);
      await settleCauseCheck(manager);
      group.memberCount = incoming.length;
      await manager.insert(ScimGroupEntity, group as QueryDeepPartialEntity<ScimGroupEntity>);
      await this.insertMembers(manager, group, incoming);
      await this.refreshAccess(manager, companyId, byType(incoming));
      await adjustResourceCount(manager, companyId, 'groups', 1); // last: see adjustResourceCount
      recordEvent(manager, companyId, 'group.created', groupEventData(manager, group));
      recordMembershipDelta(manager, group, added(byType(incoming)));
      return {
        group,
        skipped,
        members: incoming.sort((a, b) => (a.value < b.value ? -1 : 1)),
      };
    });
  }

  /** PUT: the document is replaced and the member list applied as a difference. */
  async replace(
    companyId: CompanyId,
    cause: EventCause,
    id: string,
    body: unknown,
    ifMatch?: string,
  ): Promise<GroupWrite> {
    const { document, members } = this.validated(body);
    return this.update(companyId, cause, id, ifMatch, async (manager, group, _current, skipped) => {
      const changed = await this.replaceMembers(manager, group, dedupe(members ?? []), skipped);
      return { document, changed };
    });
  }

  /** PATCH: member operations go straight to the membership rows; the rest edits the document. */
  async patch(
    companyId: CompanyId,
    cause: EventCause,
    id: string,
    body: unknown,
    ifMatch?: string,
  ): Promise<GroupWrite> {
    const operations = parsePatchRequest(body);
    return this.update(companyId, cause, id, ifMatch, async (manager, group, current, skipped) => {
      const documentOperations: PatchOperation[] = [];
      const changed: MembershipDelta = { added: NO_CHANGE(), removed: NO_CHANGE() };
      for (const operation of operations) {
        const split = splitMembers(operation);
        if (split.members) {
          const change = await this.applyMemberOperation(manager, group, split.members, skipped);
          changed.added.users.push(...change.added.users);
          changed.added.groups.push(...change.added.groups);
          changed.removed.users.push(...change.removed.users);
          changed.removed.groups.push(...change.removed.groups);
        }
        if (split.document) documentOperations.push(split.document);
      }
      const document = documentOperations.length
        ? applyPatch(current, documentOperations, GROUP_DOCUMENT)
        : current;
      return { document, changed };
    });
  }

  /** Deletes the group; answers its displayName (for the activity log). */
  async delete(
    companyId: CompanyId,
    cause: EventCause,
    id: string,
    ifMatch?: string,
  ): Promise<string> {
    return this.write(companyId, cause, async (manager) => {
      const group = await this.locked(manager, companyId, id);
      checkIfMatch(ifMatch, group.version);
      // Its own memberships go with the group (ON DELETE CASCADE), and so does the access they
      // gave, to its users and to those of the groups nested in it: decide again for all of
      // them as if they had left. Where it was itself a member, those rows go too.
      const policy = await this.access.policy(manager, companyId);
      const affected = AccessService.inert(policy)
        ? []
        : await this.access.usersUnder(manager, companyId, [group.id]);
      await removeMemberEverywhere(manager, companyId, group.id, 'group');
      await manager.delete(ScimGroupEntity, { companyId, id });
      recordEvent(manager, companyId, 'group.deleted', groupEventData(manager, group));
      // The policy read again: the roles it gave through this group are gone.
      await this.access.refresh(manager, companyId, affected);
      await adjustResourceCount(manager, companyId, 'groups', -1); // last: see adjustResourceCount
      return group.displayName;
    });
  }

  private async update(
    companyId: CompanyId,
    cause: EventCause,
    id: string,
    ifMatch: string | undefined,
    change: (
      manager: EntityManager,
      group: ScimGroupEntity,
      current: ResourceDocument,
      skipped: SkippedMember[],
    ) => Promise<{ document: ResourceDocument; changed: MembershipDelta }>,
  ): Promise<GroupWrite> {
    return this.write(companyId, cause, async (manager) => {
      const group = await this.locked(manager, companyId, id);
      checkIfMatch(ifMatch, group.version);
      const current: ResourceDocument = {
        ...group.document,
        displayName: group.displayName,
        ...(group.externalId ? { externalId: group.externalId } : {}),
      };
      const skipped: SkippedMember[] = [];
      const { document, changed } = await change(manager, group, current, skipped);
      requireAttributes(document, GROUP_DOCUMENT);
      const documentChanged = JSON.stringify(document) !== JSON.stringify(current);
      const joinedOrLeftIds = joinedOrLeft(changed);
      if (!documentChanged && joinedOrLeftIds.users.length + joinedOrLeftIds.groups.length === 0)
        return { group, skipped };
      if (documentChanged) this.fill(group, document);
      group.version += 1;
      group.updatedAt = new Date(Math.max(Date.now(), group.updatedAt.getTime() + 1));
      if (documentChanged) {
        await manager.update(ScimGroupEntity, { companyId, id }, <
          QueryDeepPartialEntity<ScimGroupEntity>
        >{
          displayName: group.displayName,
          displayNameKey: group.displayNameKey,
          externalId: group.externalId,
          document: group.document,
          searchDocument: group.searchDocument,
          memberCount: group.memberCount,
          version: group.version,
          updatedAt: group.updatedAt,
        });
      } else {
        // Only the members changed (what an IdP's group push sends): nothing later in the
        // transaction reads the row's count, version or time (role mappings read its id and
        // name, unchanged), so on PostgreSQL the update goes with the commit's statement.
        await writeAtCommit(manager, GROUP_MEMBERS_CHANGED_SQL, [
          companyId,
          id,
          group.memberCount,
          group.version,
          group.updatedAt,
        ]);
      }
      await this.refreshAccess(manager, companyId, joinedOrLeftIds);
      // A renamed group may now match (or stop matching) a role mapping by displayName.
      if (documentChanged) await this.access.refreshGroupMembers(manager, companyId, group.id);
      if (documentChanged)
        recordEvent(manager, companyId, 'group.updated', groupEventData(manager, group));
      recordMembershipDelta(manager, group, changed);
      return { group, skipped };
    });
  }

  /**
   * Re-decides access for users who joined or left, and for every user under a group that
   * joined or left (their nested access changed). Group-to-group changes cost a walk of the
   * affected users only where group membership can change access at all.
   */
  private async refreshAccess(
    manager: EntityManager,
    companyId: CompanyId,
    changed: MemberChange,
  ): Promise<void> {
    if (changed.groups.length === 0) {
      await this.access.refresh(manager, companyId, changed.users);
      return;
    }
    const policy = await this.access.policy(manager, companyId);
    if (AccessService.inert(policy)) return;
    const nested = await this.access.usersUnder(manager, companyId, changed.groups);
    await this.access.refresh(
      manager,
      companyId,
      [...new Set([...changed.users, ...nested])],
      policy,
    );
  }

  private async applyMemberOperation(
    manager: EntityManager,
    group: ScimGroupEntity,
    operation: { op: PatchOperation['op']; target: PatchPath; value: unknown },
    skipped: SkippedMember[],
  ): Promise<MembershipDelta> {
    const { op, target, value } = operation;
    if (target.filter) {
      if (op !== 'remove')
        throw ScimError.badRequest(
          'mutability',
          'Members are changed by add and remove, not by replacing their sub-attributes',
        );
      return removed(await this.removeMatching(manager, group, target));
    }
    if (target.subAttribute || target.path.subAttribute) {
      throw ScimError.badRequest(
        'mutability',
        'members sub-attributes cannot be changed one by one',
      );
    }
    if (op === 'add') {
      const incoming = dedupe(parseMembers(value));
      return added(await this.addMembers(manager, group, incoming, skipped));
    }
    if (op === 'replace') {
      // Okta pushes the whole list (an empty list empties the group).
      return this.replaceMembers(manager, group, dedupe(parseMembers(value)), skipped);
    }
    // remove: Entra sends `path: "members"` with the members to remove as the value.
    if (value !== undefined && value !== null) {
      const ids = dedupe(parseMembers(value)).map((member) => member.value);
      return removed(await this.deleteMembers(manager, group, ids));
    }
    return removed(
      await this.deleteMembers(manager, group, [...(await this.members(manager, group.id)).keys()]),
    );
  }

  /** Adds the members not yet present: existing ones are a no-op, never a duplicate. */
  private async addMembers(
    manager: EntityManager,
    group: ScimGroupEntity,
    incoming: IncomingMember[],
    skipped: SkippedMember[],
  ): Promise<MemberChange> {
    const found = await this.resolve(manager, group, incoming, skipped);
    if (found.length === 0) return { users: [], groups: [] };
    // The insert says which rows it added (ON CONFLICT DO NOTHING skips the members already
    // present): one statement, not a read of who is present and then the insert.
    const added = new Set(await this.insertMembers(manager, group, found));
    const fresh = found.filter((member) => added.has(member.value));
    group.memberCount += fresh.length;
    return byType(fresh);
  }

  /** Makes the member list equal to `incoming` by difference, not delete-all-then-insert. */
  private async replaceMembers(
    manager: EntityManager,
    group: ScimGroupEntity,
    incoming: IncomingMember[],
    skipped: SkippedMember[],
  ): Promise<MembershipDelta> {
    const found = await this.resolve(manager, group, incoming, skipped);
    const current = await this.members(manager, group.id);
    const wanted = new Set(found.map((member) => member.value));
    const leaving = [...current.values()].filter((member) => !wanted.has(member.value));
    const joining = found.filter((member) => !current.has(member.value));
    const left = await this.deleteMembers(
      manager,
      group,
      leaving.map((member) => member.value),
    );
    await this.insertMembers(manager, group, joining);
    group.memberCount += joining.length;
    return { added: byType(joining), removed: left };
  }

  /** Removes these ids from the group; ids that are not members are a no-op. */
  private async deleteMembers(
    manager: EntityManager,
    group: ScimGroupEntity,
    ids: string[],
  ): Promise<MemberChange> {
    const change: MemberChange = { users: [], groups: [] };
    for (let i = 0; i < ids.length; i += BATCH) {
      const chunk = ids.slice(i, i + BATCH);
      // The delete says whom it removed: one statement, not a read of who is present first.
      const rows = await rawReturning<{ memberId: string; memberType: GroupMemberType }>(
        manager,
        `DELETE FROM "scim_group_members"
          WHERE "groupId" = $1 AND "memberId" IN (${sqlPlaceholders(chunk.length, 2)})
          RETURNING "memberId", "memberType"`,
        [group.id, ...chunk],
      );
      for (const row of rows)
        (row.memberType === 'group' ? change.groups : change.users).push(row.memberId);
    }
    group.memberCount -= change.users.length + change.groups.length;
    return change;
  }

  /** `remove` with `members[value eq "..."]`: by id straight away; other filters in memory. */
  private async removeMatching(
    manager: EntityManager,
    group: ScimGroupEntity,
    target: PatchPath,
  ): Promise<MemberChange> {
    const ids = equalityValues(target.filter!);
    if (ids) return this.deleteMembers(manager, group, ids);
    const rows = await manager
      .getRepository(ScimGroupMemberEntity)
      .find({ where: { groupId: group.id } });
    const doomed = rows
      .filter((row) =>
        matchesValueFilter(
          target.filter!,
          { value: row.memberId, display: row.display, type: typeName(row.memberType) },
          MEMBERS,
        ),
      )
      .map((row) => row.memberId);
    return this.deleteMembers(manager, group, doomed);
  }

  /** Inserts the members not present yet; answers the ids it inserted (RETURNING). */
  private async insertMembers(
    manager: EntityManager,
    group: ScimGroupEntity,
    members: ResolvedMember[],
  ): Promise<string[]> {
    if (members.length === 0) return [];
    if (manager.connection.options.type === 'postgres') {
      // One statement of five arrays, however many members: a 10,000-member add was twenty
      // statements of 2,500 parameters each, parsed and planned one by one.
      const rows = await rawQuery<{ memberId: string }>(
        manager,
        `INSERT INTO "scim_group_members" ("groupId", "memberId", "companyId", "display", "memberType")
         SELECT $1, m."memberId", $2, m."display", m."memberType"
           FROM unnest($3::varchar[], $4::varchar[], $5::varchar[]) AS m("memberId", "display", "memberType")
         ON CONFLICT DO NOTHING
         RETURNING "memberId"`,
        [
          group.id,
          group.companyId,
          members.map((member) => member.value),
          members.map((member) => member.display),
          members.map((member) => member.type),
        ],
      );
      return rows.map((row) => row.memberId);
    }
    const columns = 5;
    const inserted: string[] = [];
    for (let i = 0; i < members.length; i += BATCH) {
      const batch = members.slice(i, i + BATCH);
      const rows = await rawQuery<{ memberId: string }>(
        manager,
        `INSERT INTO "scim_group_members" ("groupId", "memberId", "companyId", "display", "memberType")
         VALUES ${batch.map((_, row) => `(${sqlPlaceholders(columns, row * columns + 1)})`).join(', ')}
         ON CONFLICT DO NOTHING
         RETURNING "memberId"`,
        batch.flatMap((member) => [
          group.id,
          member.value,
          group.companyId,
          member.display,
          member.type,
        ]),
      );
      for (const row of rows) inserted.push(row.memberId);
    }
    return inserted;
  }

  /** The group's current members, by id. */
  private async members(
    manager: EntityManager,
    groupId: string,
  ): Promise<Map<string, ResolvedMember>> {
    const rows = await rawQuery<{
      memberId: string;
      display: string | null;
      memberType: GroupMemberType;
    }>(
      manager,
      'SELECT "memberId", "display", "memberType" FROM "scim_group_members" WHERE "groupId" = $1',
      [groupId],
    );
    return new Map(
      rows.map((row) => [
        row.memberId,
        { value: row.memberId, display: row.display, type: row.memberType },
      ]),
    );
  }

  /**
   * The incoming members that are users or groups of this company, with their type; `value`
   * decides, never the `type` or `$ref` hints. The rest go to `skipped`. A group that
   * contains this one (or is this one) would close a cycle: 400 naming it.
   */
  private async resolve(
    manager: EntityManager,
    group: ScimGroupEntity,
    incoming: IncomingMember[],
    skipped: SkippedMember[],
  ): Promise<ResolvedMember[]> {
    const { companyId } = group;
    const types = new Map<string, GroupMemberType>();
    const candidates = incoming.map((member) => member.value).filter((id) => isUuid(id));
    for (const [table, type] of [
      ['scim_users', 'user'],
      ['scim_groups', 'group'],
    ] as const) {
      const unknown = candidates.filter((id) => !types.has(id));
      if (unknown.length === 0) continue;
      if (manager.connection.options.type === 'postgres') {
        // One statement with an array, as for the insert (insertMembers). A create's first
        // read: it can carry the token's pending check.
        const rows = await readCheckingCause<{ id: string }>(
          manager,
          `SELECT "id" FROM "${table}" WHERE "companyId" = $1 AND "id" = ANY($2::varchar[])`,
          [companyId, unknown],
        );
        for (const row of rows) types.set(row.id, type);
        continue;
      }
      for (let i = 0; i < unknown.length; i += BATCH) {
        const chunk = unknown.slice(i, i + BATCH);
        const rows = await rawQuery<{ id: string }>(
          manager,
          `SELECT "id" FROM "${table}" WHERE "companyId" = $1 AND "id" IN (${sqlPlaceholders(chunk.length, 2)})`,
          [companyId, ...chunk],
        );
        for (const row of rows) types.set(row.id, type);
      }
    }
    const groups = [...types].filter(([, type]) => type === 'group').map(([id]) => id);
    for (let i = 0; i < groups.length; i += BATCH) {
      const chunk = groups.slice(i, i + BATCH);
      const [cycle] = await rawQuery<{ root: string }>(manager, CYCLE_SQL(chunk.length), [
        companyId,
        group.id,
        ...chunk,
      ]);
      if (cycle) {
        throw invalidValue(
          cycle.root === group.id
            ? `members: a group cannot be a member of itself ("${group.id}")`
            : `members: group "${cycle.root}" contains this group, so it cannot also be its member (a cycle)`,
        );
      }
    }
    const resolved: ResolvedMember[] = [];
    for (const member of incoming) {
      const type = types.get(member.value);
      if (type) resolved.push({ ...member, type });
      else skipped.push({ id: member.value, reason: NOT_IN_COMPANY });
    }
    return resolved;
  }

  private validated(body: unknown): { document: ResourceDocument; members?: IncomingMember[] } {
    if (!isPlainObject(body))
      throw ScimError.badRequest('invalidSyntax', 'The body must be a Group object');
    const flat = liftCoreAttributes(body, GROUP_RESOURCE);
    const membersKey = Object.keys(flat).find((key) => key.toLowerCase() === 'members');
    const document = normalizeResource(
      membersKey ? { ...flat, [membersKey]: undefined } : flat,
      GROUP_DOCUMENT,
    );
    requireAttributes(document, GROUP_DOCUMENT);
    return { document, members: membersKey ? parseMembers(flat[membersKey]) : undefined };
  }

  private fill(group: ScimGroupEntity, document: ResourceDocument): void {
    const { externalId, displayName, ...rest } = document;
    if (typeof displayName !== 'string' || displayName.trim() === '') {
      throw invalidValue('displayName is required');
    }
    if (displayName.length > 1024) throw invalidValue('displayName is longer than 1024 characters');
    group.displayName = displayName;
    group.displayNameKey = foldCase(displayName);
    group.externalId = typeof externalId === 'string' ? externalId : null;
    requireResourceSize(rest, GROUP_RESOURCE);
    group.document = rest;
    group.searchDocument = JSON.stringify(searchDocument({ ...rest, displayName }, GROUP_DOCUMENT));
  }

  private async locked(
    manager: EntityManager,
    companyId: CompanyId,
    id: string,
  ): Promise<ScimGroupEntity> {
    if (!isUuid(id)) throw ScimError.notFound(`Group ${id} not found`);
    // The first read of a group's change: it carries a pending token check (readCheckingCause).
    // PostgreSQL: concurrent PATCHes to one group serialize on the row, so none loses a member.
    const postgres = manager.connection.options.type === 'postgres';
    const [row] = await readCheckingCause<Record<string, unknown>>(
      manager,
      postgres ? LOCKED_GROUP_POSTGRES_SQL : GROUP_SQL,
      [companyId, id],
    );
    if (!row) throw ScimError.notFound(`Group ${id} not found`);
    return groupOf(companyId, row);
  }

  private write<T>(
    companyId: CompanyId,
    cause: EventCause,
    work: (manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    return scimWrite(
      this.dataSource,
      this.anchors,
      companyId,
      cause,
      'A group with this displayName already exists in this company',
      work,
    );
  }
}

/**
 * Member values in every shape IdPs send: a list of `{ value, display }` (Okta, Entra), with
 * `"$ref": null` or no `type`; a single object; a bare id.
 */
function parseMembers(value: unknown): IncomingMember[] {
  if (value === null || value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.length > MAX_MEMBERS_PER_REQUEST) {
    throw ScimError.badRequest(
      'tooMany',
      `A request may name at most ${MAX_MEMBERS_PER_REQUEST} members`,
    );
  }
  return list.map((entry) => {
    if (typeof entry === 'string') return { value: entry, display: null };
    if (!isPlainObject(entry)) throw invalidValue('members must be objects with a value');
    const fields = Object.fromEntries(
      Object.entries(entry).map(([key, inner]) => [key.toLowerCase(), inner]),
    );
    // `value` alone says who the member is; `type` and `$ref` are hints we do not trust
    // (a user's id sent with type "Group" is that user).
    if (typeof fields.value !== 'string' || fields.value === '')
      throw invalidValue('members[].value must be the id of a user or group');
    const display =
      typeof fields.display === 'string'
        ? fields.display
        : typeof fields.displayname === 'string'
          ? fields.displayname
          : null;
    return { value: fields.value, display: display?.slice(0, 1024) ?? null };
  });
}

function dedupe(members: IncomingMember[]): IncomingMember[] {
  const seen = new Map<string, IncomingMember>();
  for (const member of members) if (!seen.has(member.value)) seen.set(member.value, member);
  return [...seen.values()];
}

/** Splits an operation into its `members` part and its document part. */
function splitMembers(operation: PatchOperation): {
  members?: { op: PatchOperation['op']; target: PatchPath; value: unknown };
  document?: PatchOperation;
} {
  const path = operation.path?.trim();
  // The core schema URN as a path names the core attributes: the same as no path.
  if (path && path.toLowerCase() !== GROUP_RESOURCE.core.id.toLowerCase()) {
    const target = parsePatchPath(path);
    const isMembers =
      target.path.attribute.toLowerCase() === 'members' &&
      (!target.path.schema ||
        target.path.schema.toLowerCase() === GROUP_RESOURCE.core.id.toLowerCase());
    return isMembers
      ? { members: { op: operation.op, target, value: operation.value } }
      : { document: operation };
  }
  // No path: `{ id, displayName }` renames (Okta) and must not touch members; a `members` key
  // in the value is a member operation of its own.
  if (!isPlainObject(operation.value)) return { document: operation };
  const membersKey = Object.keys(operation.value).find((key) => key.toLowerCase() === 'members');
  if (!membersKey) return { document: operation };
  const { [membersKey]: members, ...rest } = operation.value;
  return {
    members: { op: operation.op, target: { path: { attribute: 'members' } }, value: members },
    document: Object.keys(rest).length ? { ...operation, value: rest } : undefined,
  };
}

/** `value eq "a"` (or several joined by `or`): the ids, so removal needs no scan. */
function equalityValues(filter: import('@app/scim-protocol').Filter): string[] | undefined {
  if (filter.kind === 'or') {
    const left = equalityValues(filter.left);
    const right = equalityValues(filter.right);
    return left && right ? [...left, ...right] : undefined;
  }
  if (filter.kind === 'compare' && filter.op === 'eq' && typeof filter.value === 'string') {
    const name = (filter.path.subAttribute ?? filter.path.attribute).toLowerCase();
    return name === 'value' ? [filter.value] : undefined;
  }
  return undefined;
}

/** Splits members by type into the ids a MemberChange lists. */
function byType(members: ResolvedMember[]): MemberChange {
  const change: MemberChange = { users: [], groups: [] };
  for (const member of members)
    (member.type === 'group' ? change.groups : change.users).push(member.value);
  return change;
}

/** The SCIM name of a member type (RFC 7643 §4.2: "User" or "Group"). */
export function typeName(type: GroupMemberType): 'User' | 'Group' {
  return type === 'group' ? 'Group' : 'User';
}

/**
 * Deletes every membership row naming this user or group as a member, keeping each group's
 * member count exact and reporting each group's loss; in the caller's transaction (a user or
 * group being deleted).
 */
export async function removeMemberEverywhere(
  manager: EntityManager,
  companyId: CompanyId,
  memberId: string,
  memberType: GroupMemberType,
): Promise<void> {
  const groups = await rawQuery<{ groupId: string }>(
    manager,
    'SELECT "groupId" FROM "scim_group_members" WHERE "companyId" = $1 AND "memberId" = $2',
    [companyId, memberId],
  );
  if (groups.length === 0) return;
  await rawQuery(
    manager,
    `UPDATE "scim_groups" SET "memberCount" = "memberCount" - 1
      WHERE "companyId" = $1 AND "id" IN
        (SELECT "groupId" FROM "scim_group_members" WHERE "companyId" = $1 AND "memberId" = $2)`,
    [companyId, memberId],
  );
  await rawQuery(
    manager,
    'DELETE FROM "scim_group_members" WHERE "companyId" = $1 AND "memberId" = $2',
    [companyId, memberId],
  );
  const change =
    memberType === 'group' ? { users: [], groups: [memberId] } : { users: [memberId], groups: [] };
  for (const { groupId } of groups) {
    recordMembershipChange(manager, companyId, 'group.members_removed', groupId, change);
  }
}
