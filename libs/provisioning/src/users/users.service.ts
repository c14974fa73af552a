import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import {
  Activity,
  CompanyId,
  CompanyScans,
  EventCause,
  rawQuery,
  readCheckingCause,
  readBeforeBegin,
  sqlBoolean,
  sqlPlaceholders,
  transactionCause,
} from '@app/common';
import {
  LinkedMembers,
  linkedMembersJsonSql,
  linkedMembersOf,
  MembersService,
} from '@app/directory';
import { recordEvent, writeAtCommit } from '@app/events';
import { PendingTokenCheck } from '@app/tokens';
import {
  applyPatch,
  foldCase,
  isPlainObject,
  normalizeResource,
  parsePatchRequest,
  requireAttributes,
  requireResourceSize,
  ResourceDocument,
  ScimError,
  searchDocument,
  USER_RESOURCE,
} from '@app/scim-protocol';
import {
  AccessPolicy,
  AccessService,
  POLICY_POSTGRES_COLUMNS,
  policyFromColumns,
} from '../access/access.service';
import { removeMemberEverywhere } from '../groups/groups.service';
import { ListRequest } from '../query/list-request';
import { adjustResourceCount, resourceCount, scimWrite } from '../query/resource-writes';
import { PageAnchors } from '../query/page-anchors';
import { ListPage, listResources } from '../query/resource-list';
import { checkIfMatch } from '../resource-version';
import { ScimUserEntity } from './scim-user.entity';
import { indexedAttributeKeys, USER_TABLE } from './user-table';
import { USER_GROUPS_POSTGRES_SQL, userByIdSql, UserRow, userRowColumns } from './user.resource';

/**
 * A changed user, and on PostgreSQL its groups as the change's transaction read them (JSON
 * text, as a UserRow's: groupsReadWith).
 */
export interface UserWrite {
  user: ScimUserEntity;
  groups?: string | null;
  /** `active` before the write: the activity log says "deactivated", not "updated". */
  wasActive?: boolean;
  /** PostgreSQL: what the write decides access with, read with the locked row. */
  context?: AccessContext;
}

/**
 * What a user write decides the member's access with, read on PostgreSQL in the statement the
 * write reads anyway (the locked row, or for a create the one read it makes): the company's
 * access policy, the members of the user and of its link email, and the user's direct groups.
 * SQLite reads each where it is needed (no round trips in process).
 */
interface AccessContext {
  policy: AccessPolicy;
  members: LinkedMembers;
  groupIds: string[];
}

/** The context's columns in a statement whose $1 is the company, for SCIM user `user`/`email`. */
const accessContextColumns = (user: string, emailKey: string) =>
  `${POLICY_POSTGRES_COLUMNS}, ${linkedMembersJsonSql(user, emailKey)} AS "linkedMembers"`;

/** A create's one read: a plain SELECT, so its transaction's BEGIN waits (readBeforeBegin). */
const CREATE_CONTEXT_POSTGRES_SQL = readBeforeBegin(`SELECT ${accessContextColumns('$2', '$3')}`);

function accessContextOf(
  row: Record<string, unknown>,
  emailKey: string | null,
  groupIds: string[],
): AccessContext {
  return {
    policy: policyFromColumns(row),
    members: linkedMembersOf(emailKey, row.linkedMembers),
    groupIds,
  };
}

/** What a PUT or PATCH did to the user, for the activity log: access is what admins ask about. */
export function userActivity({ user, wasActive }: UserWrite): Activity {
  const operation =
    wasActive === true && !user.active
      ? 'user.deactivated'
      : wasActive === false && user.active
        ? 'user.reactivated'
        : 'user.updated';
  return { operation, subject: user.userName };
}

/** Longest userName we index (RFC 5321 caps an address at 254 octets; this leaves room). */
const MAX_USER_NAME = 1024;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** The columns a create or a change writes (besides ids and instants), in this order. */
const USER_COLUMNS = [
  'userName',
  'userNameKey',
  'externalId',
  'displayNameKey',
  'familyNameKey',
  'givenNameKey',
  'departmentKey',
  'active',
  'linkEmailKey',
  'document',
  'searchDocument',
  'version',
] as const;

function userColumnValues(user: ScimUserEntity): unknown[] {
  return USER_COLUMNS.map((column) =>
    column === 'document' ? JSON.stringify(user.document) : user[column],
  );
}

const INSERT_USER_SQL = `INSERT INTO "scim_users" ("id", "companyId", ${USER_COLUMNS.map((c) => `"${c}"`).join(', ')}, "createdAt", "updatedAt")
  VALUES (${sqlPlaceholders(USER_COLUMNS.length + 4)})`;

/**
 * The UPDATE of a user's changed columns (by position in USER_COLUMNS), and `updatedAt`.
 * Only what changed: SQLite rewrites the entry of every index over a column the SET names,
 * changed or not (a deactivating PATCH that named all twelve touched eight indexes' pages for
 * one that changed; issue 16).
 */
const updateUserSqls = new Map<string, string>(); // at most 2^12 texts, a handful in practice
function updateUserSql(changed: number[]): string {
  const key = changed.join(',');
  let sql = updateUserSqls.get(key);
  if (!sql) {
    const set = changed.map((column, i) => `"${USER_COLUMNS[column]}" = $${i + 3}`);
    sql = `UPDATE "scim_users" SET ${[...set, `"updatedAt" = $${changed.length + 3}`].join(', ')}
  WHERE "companyId" = $1 AND "id" = $2`;
    updateUserSqls.set(key, sql);
  }
  return sql;
}

@Injectable()
export class UsersService {
  /** Page starts of /Users lists, per company (see PageAnchors). */
  private readonly anchors = new PageAnchors();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly members: MembersService,
    private readonly access: AccessService,
    private readonly scans: CompanyScans,
  ) {}

  private get postgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /**
   * One user as a raw row, for a SCIM GET (no entity hydration, no query builder). A token
   * still to be checked (PostgreSQL, TokenCheckedInRead) is checked in the same statement.
   */
  async getRow(companyId: CompanyId, id: string, check?: PendingTokenCheck): Promise<UserRow> {
    const sql = userByIdSql(this.postgres);
    const [row] = check
      ? await check.read<UserRow>(sql, [companyId, id])
      : await rawQuery<UserRow>(this.dataSource, sql, [companyId, id]);
    if (!row) throw ScimError.notFound(`User ${id} not found`);
    return row;
  }

  async list(
    companyId: CompanyId,
    request: ListRequest,
    check?: PendingTokenCheck,
  ): Promise<ListPage<UserRow>> {
    return listResources<UserRow>({
      companyId,
      table: USER_TABLE,
      request,
      unfilteredTotal: () => resourceCount(this.dataSource, companyId, 'users'),
      columns: userRowColumns(this.postgres),
      anchors: { cache: this.anchors, scope: companyId },
      dataSource: this.dataSource,
      reader: (sql, parameters) => this.scans.all(companyId, sql, parameters),
      firstRead: check,
    });
  }

  async create(companyId: CompanyId, cause: EventCause, body: unknown): Promise<ScimUserEntity> {
    const document = this.validated(body);
    const now = new Date();
    const user = Object.assign(new ScimUserEntity(), {
      id: uuidv7(),
      companyId,
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
    this.fill(user, document);
    return this.write(companyId, cause, async (manager) => {
      // PostgreSQL: one read (the policy and the members of this email), then every write
      // below waits for the commit's one statement (writeAtCommit); a userName another
      // request took first fails that statement, and the answer is the same 409.
      const context = this.postgres
        ? accessContextOf(
            (
              await readCheckingCause<Record<string, unknown>>(
                manager,
                CREATE_CONTEXT_POSTGRES_SQL,
                [companyId, user.id, user.linkEmailKey],
              )
            )[0],
            user.linkEmailKey,
            [], // a user just made is in no group
          )
        : undefined;
      await writeAtCommit(manager, INSERT_USER_SQL, [
        user.id,
        companyId,
        ...userColumnValues(user),
        user.createdAt,
        user.updatedAt,
      ]);
      await this.writeEmails(manager, user);
      await this.syncMember(manager, user, context);
      await adjustResourceCount(manager, companyId, 'users', 1); // last: see adjustResourceCount
      recordEvent(manager, companyId, 'user.created', userEventData(manager, user));
      return user;
    });
  }

  /** PUT (RFC 7644 §3.5.1): the body replaces every writable attribute. */
  async replace(
    companyId: CompanyId,
    cause: EventCause,
    id: string,
    body: unknown,
    ifMatch?: string,
  ): Promise<UserWrite> {
    const document = this.validated(body);
    return this.update(companyId, cause, id, ifMatch, () => document);
  }

  /** PATCH (RFC 7644 §3.5.2): all operations apply, or none. */
  async patch(
    companyId: CompanyId,
    cause: EventCause,
    id: string,
    body: unknown,
    ifMatch?: string,
  ): Promise<UserWrite> {
    const operations = parsePatchRequest(body);
    return this.update(companyId, cause, id, ifMatch, (current) =>
      operations.length === 0 ? current : applyPatch(current, operations, USER_RESOURCE),
    );
  }

  /** Deletes the user; answers its userName (the activity log says whom a DELETE removed). */
  async delete(
    companyId: CompanyId,
    cause: EventCause,
    id: string,
    ifMatch?: string,
  ): Promise<string> {
    return this.write(companyId, cause, async (manager) => {
      const user = await this.lockedUser(manager, companyId, id);
      checkIfMatch(ifMatch, user.version);
      // The member loses access in the same transaction as the user goes, and so do the
      // user's group memberships (no foreign key: a membership row may name a group).
      await this.members.releaseDeletedScimUser(manager, companyId, id);
      await removeMemberEverywhere(manager, companyId, id, 'user');
      await manager.delete(ScimUserEntity, { companyId, id });
      await adjustResourceCount(manager, companyId, 'users', -1);
      recordEvent(manager, companyId, 'user.deleted', userEventData(manager, user));
      return user.userName;
    });
  }

  private async update(
    companyId: CompanyId,
    cause: EventCause,
    id: string,
    ifMatch: string | undefined,
    change: (current: ResourceDocument) => ResourceDocument,
  ): Promise<UserWrite> {
    return this.write(companyId, cause, async (manager) => {
      const locked = await this.lockedUserWithGroups(manager, companyId, id, true);
      const { user, context } = locked;
      locked.wasActive = user.active;
      checkIfMatch(ifMatch, user.version);
      const current = {
        ...user.document,
        ...(user.externalId ? { externalId: user.externalId } : {}),
      };
      const next = change(current);
      if (JSON.stringify(next) === JSON.stringify(current)) return locked; // nothing changed: same version
      const emailsBefore = JSON.stringify(user.document.emails);
      const columnsBefore = userColumnValues(user);
      this.fill(user, next);
      user.version += 1;
      user.updatedAt = new Date(Math.max(Date.now(), user.updatedAt.getTime() + 1));
      const columns = userColumnValues(user);
      const changed = columns.flatMap((value, i) => (value === columnsBefore[i] ? [] : [i]));
      await writeAtCommit(manager, updateUserSql(changed), [
        companyId,
        id,
        ...changed.map((i) => columns[i]),
        user.updatedAt,
      ]);
      // The email rows are rewritten only when the emails changed (a deactivation or a new
      // title leaves them): two statements fewer for most updates. The old ones go now, so
      // that the new ones (at the commit) never meet them in one statement.
      if (JSON.stringify(user.document.emails) !== emailsBefore) {
        await rawQuery(
          manager,
          'DELETE FROM "scim_user_emails" WHERE "companyId" = $1 AND "userId" = $2',
          [companyId, id],
        );
        await this.writeEmails(manager, user);
      }
      // Deactivation (active: false) removes the member's access in this same transaction.
      await this.syncMember(manager, user, context);
      recordEvent(manager, companyId, 'user.updated', userEventData(manager, user));
      return locked;
    });
  }

  private validated(body: unknown): ResourceDocument {
    const document = normalizeResource(body, USER_RESOURCE);
    requireAttributes(document, USER_RESOURCE);
    return document;
  }

  /** Copies the document into the entity's indexed columns. */
  private fill(user: ScimUserEntity, document: ResourceDocument): void {
    // id and externalId live in columns; the document holds the rest. `active` stays in the
    // document too, so that once a PATCH removed it, it is unassigned in every answer
    // (RFC 7644 §3.5.2.2); its column is what access reads.
    const { externalId, ...rest } = document;
    const active = rest.active;
    const userName = document.userName as string;
    if (userName.trim() === '')
      throw ScimError.badRequest('invalidValue', 'userName must not be empty');
    if (userName.length > MAX_USER_NAME) {
      throw ScimError.badRequest(
        'invalidValue',
        `userName is longer than ${MAX_USER_NAME} characters`,
      );
    }
    user.userName = userName;
    user.userNameKey = foldCase(userName);
    user.externalId = typeof externalId === 'string' ? externalId : null;
    user.displayNameKey =
      typeof rest.displayName === 'string' ? foldCase(rest.displayName).slice(0, 1024) : null;
    // A user without `active` is active (RFC 7643 leaves the default to us; every IdP means so).
    user.active = active !== false;
    user.linkEmailKey = linkEmail(document)?.key ?? null;
    requireResourceSize(rest, USER_RESOURCE);
    user.document = rest;
    const search = searchDocument(rest, USER_RESOURCE);
    Object.assign(user, indexedAttributeKeys(search));
    user.searchDocument = JSON.stringify(search);
  }

  private async writeEmails(manager: EntityManager, user: ScimUserEntity): Promise<void> {
    const emails = Array.isArray(user.document.emails)
      ? (user.document.emails as Record<string, unknown>[])
      : [];
    if (emails.length === 0) return;
    const fold = (value: unknown, max: number) =>
      typeof value === 'string' ? foldCase(value).slice(0, max) : null;
    // One multi-row INSERT (an IdP sends one to three emails; the schema caps them at MAX_MULTI_VALUES).
    const columns = 7;
    const rows = emails.map((_, row) => `(${sqlPlaceholders(columns, row * columns + 1)})`);
    await writeAtCommit(
      manager,
      `INSERT INTO "scim_user_emails" ("userId", "position", "companyId", "valueKey", "typeKey",
         "displayKey", "primary")
       VALUES ${rows.join(', ')}`,
      emails.flatMap((email, position) => [
        user.id,
        position,
        user.companyId,
        fold(email.value, 1024),
        fold(email.type, 64),
        fold(email.display, 1024),
        email.primary === true,
      ]),
    );
  }

  private async syncMember(
    manager: EntityManager,
    user: ScimUserEntity,
    context?: AccessContext,
  ): Promise<void> {
    const link = linkEmail(user.document);
    const policy = context?.policy ?? (await this.access.policy(manager, user.companyId));
    const [decision] = await this.access.decide(
      manager,
      user.companyId,
      [{ id: user.id, active: user.active }],
      policy,
      context && new Map([[user.id, context.groupIds]]),
    );
    await this.members.syncScimUser(
      manager,
      user.companyId,
      {
        ...decision,
        email: link?.email ?? null,
        emailKey: link?.key ?? null,
        newMemberRole: policy.defaultRole,
      },
      context?.members,
    );
  }

  private async lockedUser(
    manager: EntityManager,
    companyId: CompanyId,
    id: string,
  ): Promise<ScimUserEntity> {
    return (await this.lockedUserWithGroups(manager, companyId, id, false)).user;
  }

  /**
   * The user's row, locked on PostgreSQL so concurrent writes to one user serialize (SQLite
   * has one writer). With `forChange` on PostgreSQL, the same statement reads the user's
   * groups, for the answer (a user write never changes them: `groups` is read-only) and the
   * access decision, and the rest of the access context.
   */
  private async lockedUserWithGroups(
    manager: EntityManager,
    companyId: CompanyId,
    id: string,
    forChange: boolean,
  ): Promise<UserWrite> {
    const postgres = manager.connection.options.type === 'postgres';
    const groupsColumn =
      postgres && forChange
        ? `, ${USER_GROUPS_POSTGRES_SQL} AS "groups", ${accessContextColumns('u."id"', 'u."linkEmailKey"')}`
        : '';
    // The first read of a write: it carries the token's check when that is pending.
    const [row] = await readCheckingCause<Record<string, unknown>>(
      manager,
      `SELECT "id", "companyId", "userName", "userNameKey", "externalId", "displayNameKey",
              "familyNameKey", "givenNameKey", "departmentKey", "active", "linkEmailKey", "document",
              "version", "createdAt", "updatedAt"${groupsColumn}
         FROM "scim_users" u WHERE "companyId" = $1 AND "id" = $2${postgres ? ' FOR UPDATE' : ''}`,
      [companyId, id],
    );
    if (!row) throw ScimError.notFound(`User ${id} not found`);
    const {
      groups,
      accessPolicy: _policy,
      accessMappings: _mappings,
      accessGroupRoles: _roles,
      linkedMembers: _members,
      ...columns
    } = row;
    const user = Object.assign(new ScimUserEntity(), columns, {
      active: sqlBoolean(columns.active),
      document: JSON.parse(columns.document as string) as ResourceDocument,
      version: Number(columns.version),
      createdAt: new Date(Number(columns.createdAt)),
      updatedAt: new Date(Number(columns.updatedAt)),
    });
    if (!groupsColumn) return { user };
    const groupIds = typeof groups === 'string' ? groupIdsOf(groups) : [];
    return {
      user,
      groups: groups as string | null,
      context: accessContextOf(row, user.linkEmailKey, groupIds),
    };
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
      'A user with this userName already exists in this company',
      work,
    );
  }
}

/** The ids of a USER_GROUPS_POSTGRES_SQL array. */
function groupIdsOf(groups: string): string[] {
  return (JSON.parse(groups) as { value: string }[]).map((group) => group.value);
}

/** `data` of the user.* events (CONTRACT.md): no SCIM body beyond these attributes. */
function userEventData(manager: EntityManager, user: ScimUserEntity): Record<string, unknown> {
  return {
    userId: user.id,
    userName: user.userName,
    externalId: user.externalId,
    active: user.active,
    cause: transactionCause(manager),
  };
}

/**
 * The email that links a SCIM user to a company member: the userName when it is an email
 * address, else the primary email, else the work email, else the first one.
 */
export function linkEmail(document: ResourceDocument): { email: string; key: string } | undefined {
  const candidates: unknown[] = [document.userName];
  const emails = Array.isArray(document.emails) ? document.emails.filter(isPlainObject) : [];
  candidates.push(
    emails.find((email) => email.primary === true)?.value,
    emails.find((email) => typeof email.type === 'string' && email.type.toLowerCase() === 'work')
      ?.value,
    emails[0]?.value,
  );
  for (const candidate of candidates) {
    if (typeof candidate === 'string' && EMAIL.test(candidate.trim()) && candidate.length <= 320) {
      return { email: candidate.trim(), key: foldCase(candidate.trim()) };
    }
  }
  return undefined;
}
