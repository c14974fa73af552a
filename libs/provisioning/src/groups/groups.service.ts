import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import { CompanyId, rawQuery, sqlPlaceholders } from '@app/common';
import {
  applyPatch,
  findAttribute,
  foldCase,
  GROUP_RESOURCE,
  isPlainObject,
  matchesValueFilter,
  normalizeResource,
  parsePatchPath,
  parsePatchRequest,
  PatchOperation,
  PatchPath,
  requireAttributes,
  ResourceDocument,
  ResourceSchema,
  ScimError,
  searchDocument,
} from '@app/scim-protocol';
import { AccessService } from '../access/access.service';
import { dialectOf } from '../query/database';
import { ListRequest } from '../query/list-request';
import { adjustResourceCount, resourceCount, scimWrite } from '../query/resource-writes';
import { PageAnchors } from '../query/page-anchors';
import { ListPage, listResources } from '../query/resource-list';
import { checkIfMatch } from '../resource-version';
import { GROUP_ROW_COLUMNS, GroupMember, GroupRow } from './group.resource';
import { GROUP_TABLE } from './group-table';
import { ScimGroupEntity, ScimGroupMemberEntity } from './scim-group.entity';

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

const invalidValue = (detail: string) => ScimError.badRequest('invalidValue', detail);

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
  ) {}

  async get(companyId: CompanyId, id: string): Promise<ScimGroupEntity> {
    const group = isUuid(id)
      ? await this.dataSource.getRepository(ScimGroupEntity).findOneBy({ companyId, id })
      : null;
    if (!group) throw ScimError.notFound(`Group ${id} not found`);
    return group;
  }

  async list(companyId: CompanyId, request: ListRequest): Promise<ListPage<GroupRow>> {
    const query = this.dataSource
      .getRepository(ScimGroupEntity)
      .createQueryBuilder('g')
      .where('g.companyId = :companyId', { companyId });
    return listResources<GroupRow>({
      query,
      table: GROUP_TABLE,
      columns: GROUP_ROW_COLUMNS,
      anchors: { cache: this.anchors, scope: companyId },
      dialect: dialectOf(this.dataSource),
      request,
      unfilteredTotal: () => resourceCount(this.dataSource, companyId, 'groups'),
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
        result.get(row.groupId)!.push({ value: row.memberId, display: row.display });
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
    body: unknown,
  ): Promise<{ group: ScimGroupEntity; members: GroupMember[] }> {
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
    return this.write(companyId, async (manager) => {
      await manager.insert(ScimGroupEntity, group as QueryDeepPartialEntity<ScimGroupEntity>);
      await adjustResourceCount(manager, companyId, 'groups', 1);
      const incoming = dedupe(members ?? []);
      await this.requireUsers(
        manager,
        companyId,
        incoming.map((member) => member.value),
      );
      await this.insertMembers(manager, group, incoming);
      group.memberCount = incoming.length;
      await manager.update(
        ScimGroupEntity,
        { companyId, id: group.id },
        { memberCount: group.memberCount },
      );
      await this.access.refresh(
        manager,
        companyId,
        incoming.map((member) => member.value),
      );
      return { group, members: incoming.sort((a, b) => (a.value < b.value ? -1 : 1)) };
    });
  }

  /** PUT: the document is replaced and the member list applied as a difference. */
  async replace(
    companyId: CompanyId,
    id: string,
    body: unknown,
    ifMatch?: string,
  ): Promise<ScimGroupEntity> {
    const { document, members } = this.validated(body);
    return this.update(companyId, id, ifMatch, async (manager, group) => {
      const changed = await this.replaceMembers(manager, group, dedupe(members ?? []));
      return { document, changed };
    });
  }

  /** PATCH: member operations go straight to the membership rows; the rest edits the document. */
  async patch(
    companyId: CompanyId,
    id: string,
    body: unknown,
    ifMatch?: string,
  ): Promise<ScimGroupEntity> {
    const operations = parsePatchRequest(body);
    return this.update(companyId, id, ifMatch, async (manager, group, current) => {
      const documentOperations: PatchOperation[] = [];
      let changed: string[] = [];
      for (const operation of operations) {
        const split = splitMembers(operation);
        if (split.members)
          changed = changed.concat(await this.applyMemberOperation(manager, group, split.members));
        if (split.document) documentOperations.push(split.document);
      }
      const document = documentOperations.length
        ? applyPatch(current, documentOperations, GROUP_DOCUMENT)
        : current;
      return { document, changed };
    });
  }

  async delete(companyId: CompanyId, id: string, ifMatch?: string): Promise<void> {
    await this.write(companyId, async (manager) => {
      const group = await this.locked(manager, companyId, id);
      checkIfMatch(ifMatch, group.version);
      // Memberships go with the group (ON DELETE CASCADE), and so does the access they gave:
      // decide again for its members as if they had left.
      const policy = await this.access.policy(manager, companyId);
      if (!AccessService.inert(policy)) {
        const members = await this.memberIds(manager, group.id);
        await manager.delete(ScimGroupMemberEntity, { groupId: group.id });
        await this.access.refresh(manager, companyId, members, policy);
      }
      await manager.delete(ScimGroupEntity, { companyId, id });
      await adjustResourceCount(manager, companyId, 'groups', -1);
    });
  }

  private async update(
    companyId: CompanyId,
    id: string,
    ifMatch: string | undefined,
    change: (
      manager: EntityManager,
      group: ScimGroupEntity,
      current: ResourceDocument,
    ) => Promise<{ document: ResourceDocument; changed: string[] }>,
  ): Promise<ScimGroupEntity> {
    return this.write(companyId, async (manager) => {
      const group = await this.locked(manager, companyId, id);
      checkIfMatch(ifMatch, group.version);
      const current: ResourceDocument = {
        ...group.document,
        displayName: group.displayName,
        ...(group.externalId ? { externalId: group.externalId } : {}),
      };
      const { document, changed } = await change(manager, group, current);
      requireAttributes(document, GROUP_DOCUMENT);
      const documentChanged = JSON.stringify(document) !== JSON.stringify(current);
      if (!documentChanged && changed.length === 0) return group;
      if (documentChanged) this.fill(group, document);
      group.version += 1;
      group.updatedAt = new Date(Math.max(Date.now(), group.updatedAt.getTime() + 1));
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
      await this.access.refresh(manager, companyId, changed);
      // A renamed group may now match (or stop matching) a role mapping by displayName.
      if (documentChanged) await this.access.refreshGroupMembers(manager, companyId, group.id);
      return group;
    });
  }

  private async applyMemberOperation(
    manager: EntityManager,
    group: ScimGroupEntity,
    operation: { op: PatchOperation['op']; target: PatchPath; value: unknown },
  ): Promise<string[]> {
    const { op, target, value } = operation;
    if (target.filter) {
      if (op !== 'remove')
        throw ScimError.badRequest(
          'mutability',
          'Members are changed by add and remove, not by replacing their sub-attributes',
        );
      return this.removeMatching(manager, group, target);
    }
    if (target.subAttribute || target.path.subAttribute) {
      throw ScimError.badRequest(
        'mutability',
        'members sub-attributes cannot be changed one by one',
      );
    }
    if (op === 'add') {
      const incoming = dedupe(parseMembers(value));
      return this.addMembers(manager, group, incoming);
    }
    if (op === 'replace') {
      // Okta pushes the whole list (an empty list empties the group).
      return this.replaceMembers(manager, group, dedupe(parseMembers(value)));
    }
    // remove: Entra sends `path: "members"` with the members to remove as the value.
    if (value !== undefined && value !== null) {
      const ids = dedupe(parseMembers(value)).map((member) => member.value);
      return this.deleteMembers(manager, group, ids);
    }
    return this.deleteMembers(manager, group, await this.memberIds(manager, group.id));
  }

  /** Adds the members not yet present: existing ones are a no-op, never a duplicate. */
  private async addMembers(
    manager: EntityManager,
    group: ScimGroupEntity,
    incoming: IncomingMember[],
  ): Promise<string[]> {
    if (incoming.length === 0) return [];
    await this.requireUsers(
      manager,
      group.companyId,
      incoming.map((member) => member.value),
    );
    const present = new Set<string>();
    for (let i = 0; i < incoming.length; i += BATCH) {
      const ids = incoming.slice(i, i + BATCH).map((member) => member.value);
      const rows = await manager.getRepository(ScimGroupMemberEntity).find({
        select: { memberId: true },
        where: { groupId: group.id, memberId: In(ids) },
      });
      for (const row of rows) present.add(row.memberId);
    }
    const fresh = incoming.filter((member) => !present.has(member.value));
    await this.insertMembers(manager, group, fresh);
    group.memberCount += fresh.length;
    return fresh.map((member) => member.value);
  }

  /** Makes the member list equal to `incoming` by difference, not delete-all-then-insert. */
  private async replaceMembers(
    manager: EntityManager,
    group: ScimGroupEntity,
    incoming: IncomingMember[],
  ): Promise<string[]> {
    await this.requireUsers(
      manager,
      group.companyId,
      incoming.map((member) => member.value),
    );
    const current = new Set(await this.memberIds(manager, group.id));
    const wanted = new Set(incoming.map((member) => member.value));
    const removed = [...current].filter((id) => !wanted.has(id));
    const added = incoming.filter((member) => !current.has(member.value));
    await this.deleteMembers(manager, group, removed);
    await this.insertMembers(manager, group, added);
    group.memberCount += added.length;
    return [...removed, ...added.map((member) => member.value)];
  }

  private async deleteMembers(
    manager: EntityManager,
    group: ScimGroupEntity,
    ids: string[],
  ): Promise<string[]> {
    let deleted = 0;
    for (let i = 0; i < ids.length; i += BATCH) {
      const result = await manager
        .createQueryBuilder()
        .delete()
        .from(ScimGroupMemberEntity)
        .where('groupId = :groupId AND memberId IN (:...ids)', {
          groupId: group.id,
          ids: ids.slice(i, i + BATCH),
        })
        .execute();
      deleted += result.affected ?? 0;
    }
    group.memberCount -= deleted;
    return ids;
  }

  /** `remove` with `members[value eq "..."]`: by id straight away; other filters in memory. */
  private async removeMatching(
    manager: EntityManager,
    group: ScimGroupEntity,
    target: PatchPath,
  ): Promise<string[]> {
    const ids = equalityValues(target.filter!);
    if (ids) return this.deleteMembers(manager, group, ids);
    const rows = await manager
      .getRepository(ScimGroupMemberEntity)
      .find({ where: { groupId: group.id } });
    const doomed = rows
      .filter((row) =>
        matchesValueFilter(
          target.filter!,
          { value: row.memberId, display: row.display, type: 'User' },
          MEMBERS,
        ),
      )
      .map((row) => row.memberId);
    return this.deleteMembers(manager, group, doomed);
  }

  private async insertMembers(
    manager: EntityManager,
    group: ScimGroupEntity,
    members: IncomingMember[],
  ): Promise<void> {
    for (let i = 0; i < members.length; i += BATCH) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(ScimGroupMemberEntity)
        .values(
          members.slice(i, i + BATCH).map((member) => ({
            groupId: group.id,
            memberId: member.value,
            companyId: group.companyId,
            display: member.display,
          })),
        )
        .orIgnore()
        .execute();
    }
  }

  private async memberIds(manager: EntityManager, groupId: string): Promise<string[]> {
    const rows: { memberId: string }[] = await manager
      .createQueryBuilder()
      .select('gm.memberId', 'memberId')
      .from(ScimGroupMemberEntity, 'gm')
      .where('gm.groupId = :groupId', { groupId })
      .getRawMany();
    return rows.map((row) => row.memberId);
  }

  /** Every member must be a user of this company; the first that is not is named (400). */
  private async requireUsers(
    manager: EntityManager,
    companyId: CompanyId,
    ids: string[],
  ): Promise<void> {
    const malformed = ids.find((id) => !isUuid(id));
    if (malformed !== undefined)
      throw invalidValue(`members: "${malformed}" is not a user of this company`);
    for (let i = 0; i < ids.length; i += BATCH) {
      const chunk = ids.slice(i, i + BATCH);
      const rows: { id: string }[] = await manager
        .createQueryBuilder()
        .select('u.id', 'id')
        .from('scim_users', 'u')
        .where('u.companyId = :companyId AND u.id IN (:...chunk)', { companyId, chunk })
        .getRawMany();
      if (rows.length !== chunk.length) {
        const found = new Set(rows.map((row) => row.id));
        throw invalidValue(
          `members: "${chunk.find((id) => !found.has(id))}" is not a user of this company`,
        );
      }
    }
  }

  private validated(body: unknown): { document: ResourceDocument; members?: IncomingMember[] } {
    if (!isPlainObject(body))
      throw ScimError.badRequest('invalidSyntax', 'The body must be a Group object');
    const membersKey = Object.keys(body).find((key) => key.toLowerCase() === 'members');
    const document = normalizeResource(
      membersKey ? { ...body, [membersKey]: undefined } : body,
      GROUP_DOCUMENT,
    );
    requireAttributes(document, GROUP_DOCUMENT);
    return { document, members: membersKey ? parseMembers(body[membersKey]) : undefined };
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
    group.document = rest;
    group.searchDocument = JSON.stringify(searchDocument({ ...rest, displayName }, GROUP_DOCUMENT));
  }

  private async locked(
    manager: EntityManager,
    companyId: CompanyId,
    id: string,
  ): Promise<ScimGroupEntity> {
    if (!isUuid(id)) throw ScimError.notFound(`Group ${id} not found`);
    const query = manager
      .getRepository(ScimGroupEntity)
      .createQueryBuilder('g')
      .where('g.companyId = :companyId AND g.id = :id', { companyId, id });
    // PostgreSQL: concurrent PATCHes to one group serialize on the row, so none loses a member.
    if (manager.connection.options.type === 'postgres') query.setLock('pessimistic_write');
    const group = await query.getOne();
    if (!group) throw ScimError.notFound(`Group ${id} not found`);
    return group;
  }

  private write<T>(companyId: CompanyId, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return scimWrite(
      this.dataSource,
      this.anchors,
      companyId,
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
    if (typeof fields.value !== 'string' || fields.value === '')
      throw invalidValue('members[].value must be a user id');
    if (typeof fields.type === 'string' && fields.type.toLowerCase() !== 'user') {
      throw invalidValue(
        `members: "${fields.value}" has type ${fields.type}; only users can be members here`,
      );
    }
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
  if (operation.path !== undefined && operation.path.trim() !== '') {
    const target = parsePatchPath(operation.path);
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
