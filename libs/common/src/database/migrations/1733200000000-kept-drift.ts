import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * Drift kept as it changes, not recounted (issue 15): the status card, `stale=true` and the
 * reconcile preview read a member's stale reason from `members.staleReason` instead of
 * evaluating the drift rules for every member of the company (432 ms at 100,000 members).
 *
 * - `driftDirty` marks a member whose reason must be evaluated again. Triggers set it, so no
 *   write path can forget to: a member's status, role, managed flag, SCIM user or email
 *   changed (or it is new), or a SCIM user's `active` or link email changed, appeared or went
 *   (its member, and a member its email would link). DriftService.settle evaluates the dirty
 *   ones (the rules in drift.ts, the same SQL reconciliation runs) before anything reads the
 *   reason.
 * - `member_drift_contexts` holds, per company, the fingerprint of the inputs that are not
 *   rows (SCIM on with a usable token, the access policy and its mappings) the kept reasons
 *   were evaluated with; when it differs (a token expired, a mapping was added), every member
 *   is evaluated again, once.
 * - Group memberships have no trigger: they matter to drift only through mapped roles, and
 *   every such change goes through the access refresh, which writes the members it changes.
 *   The scheduled run re-evaluates every member anyway, so nothing stays wrong past one tick.
 */
export class KeptDrift1733200000000 implements MigrationInterface {
  name = 'KeptDrift1733200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    await queryRunner.addColumns('members', [
      new TableColumn({ name: 'staleReason', type: 'varchar', length: '32', isNullable: true }),
      // Every existing member is evaluated at the first read.
      new TableColumn({ name: 'driftDirty', type: 'boolean', default: true }),
    ]);
    await queryRunner.createIndex(
      'members',
      new TableIndex({
        name: 'IX_members_drift',
        columnNames: ['companyId', 'managed', 'staleReason'],
      }),
    );
    await queryRunner.createIndex(
      'members',
      new TableIndex({
        name: 'IX_members_stale',
        columnNames: ['companyId', 'staleReason', 'emailKey'],
        where: `"staleReason" IS NOT NULL`,
      }),
    );
    await queryRunner.createIndex(
      'members',
      new TableIndex({
        name: 'IX_members_drift_dirty',
        columnNames: ['companyId', 'id'],
        where: `"driftDirty" = TRUE`,
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'member_drift_contexts',
        columns: [
          { name: 'companyId', type: 'varchar', length: '64', isPrimary: true },
          { name: 'fingerprint', type: 'varchar', length: '64' },
          { name: 'settledAt', type: 'bigint' },
        ],
      }),
    );
    for (const statement of postgres ? POSTGRES_TRIGGERS : SQLITE_TRIGGERS)
      await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    for (const statement of postgres ? POSTGRES_DROP : SQLITE_DROP)
      await queryRunner.query(statement);
    await queryRunner.dropTable('member_drift_contexts');
    await queryRunner.dropIndex('members', 'IX_members_drift_dirty');
    await queryRunner.dropIndex('members', 'IX_members_stale');
    await queryRunner.dropIndex('members', 'IX_members_drift');
    await queryRunner.dropColumn('members', 'driftDirty');
    await queryRunner.dropColumn('members', 'staleReason');
  }
}

/**
 * The members a SCIM user's change may move: its own, and the one its email would link. Two
 * statements, each on its index (one with an OR walks the company's members on SQLite).
 */
const markUserMembers = (row: 'NEW' | 'OLD') =>
  `UPDATE "members" SET "driftDirty" = TRUE WHERE "companyId" = ${row}."companyId" AND "scimUserId" = ${row}."id";
   UPDATE "members" SET "driftDirty" = TRUE WHERE "companyId" = ${row}."companyId" AND "emailKey" = ${row}."linkEmailKey";`;

/** Replaced by migration 1733400000000; its down() restores this. */
export const SQLITE_USERS_INSERT_TRIGGER = `CREATE TRIGGER "TR_scim_users_drift_insert" AFTER INSERT ON "scim_users"
   BEGIN ${markUserMembers('NEW')} END`;

const SQLITE_TRIGGERS = [
  `CREATE TRIGGER "TR_members_drift" AFTER UPDATE OF "status", "role", "managed", "scimUserId", "emailKey" ON "members"
   WHEN OLD."status" IS NOT NEW."status" OR OLD."role" IS NOT NEW."role" OR OLD."managed" IS NOT NEW."managed"
     OR OLD."scimUserId" IS NOT NEW."scimUserId" OR OLD."emailKey" IS NOT NEW."emailKey"
   BEGIN UPDATE "members" SET "driftDirty" = TRUE WHERE "id" = NEW."id"; END`,
  SQLITE_USERS_INSERT_TRIGGER,
  `CREATE TRIGGER "TR_scim_users_drift_update" AFTER UPDATE OF "active", "linkEmailKey" ON "scim_users"
   WHEN OLD."active" IS NOT NEW."active" OR OLD."linkEmailKey" IS NOT NEW."linkEmailKey"
   BEGIN ${markUserMembers('NEW')} ${markUserMembers('OLD')} END`,
  `CREATE TRIGGER "TR_scim_users_drift_delete" AFTER DELETE ON "scim_users"
   BEGIN ${markUserMembers('OLD')} END`,
];

const SQLITE_DROP = [
  'DROP TRIGGER "TR_members_drift"',
  'DROP TRIGGER "TR_scim_users_drift_insert"',
  'DROP TRIGGER "TR_scim_users_drift_update"',
  'DROP TRIGGER "TR_scim_users_drift_delete"',
];

/** Replaced by migration 1733400000000; its down() restores this. */
export const POSTGRES_USERS_DRIFT_FUNCTION = `CREATE FUNCTION "scim_users_drift_dirty"() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     by_user CONSTANT text := 'UPDATE "members" SET "driftDirty" = TRUE WHERE "companyId" = $1 AND "scimUserId" = $2';
     by_email CONSTANT text := 'UPDATE "members" SET "driftDirty" = TRUE WHERE "companyId" = $1 AND "emailKey" = $2';
     moved boolean := TG_OP = 'UPDATE' AND (NEW."active", NEW."linkEmailKey") IS DISTINCT FROM (OLD."active", OLD."linkEmailKey");
   BEGIN
     IF TG_OP = 'INSERT' OR moved THEN
       EXECUTE by_user USING NEW."companyId", NEW."id";
       EXECUTE by_email USING NEW."companyId", NEW."linkEmailKey";
     END IF;
     IF TG_OP = 'DELETE' OR (moved AND OLD."linkEmailKey" IS DISTINCT FROM NEW."linkEmailKey") THEN
       EXECUTE by_user USING OLD."companyId", OLD."id";
       EXECUTE by_email USING OLD."companyId", OLD."linkEmailKey";
     END IF;
     RETURN NULL;
   END $$`;

const POSTGRES_TRIGGERS = [
  `CREATE FUNCTION "members_drift_dirty"() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'INSERT' OR (NEW."status", NEW."role", NEW."managed", NEW."scimUserId", NEW."emailKey")
        IS DISTINCT FROM (OLD."status", OLD."role", OLD."managed", OLD."scimUserId", OLD."emailKey") THEN
       NEW."driftDirty" := TRUE;
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER "TR_members_drift" BEFORE INSERT OR UPDATE ON "members"
   FOR EACH ROW EXECUTE FUNCTION "members_drift_dirty"()`,
  // EXECUTE: planned at each run. A trigger's static statements keep the plan of their first
  // runs for the session, and one made while members was nearly empty (a scan) stays a scan at
  // 100,000 members.
  POSTGRES_USERS_DRIFT_FUNCTION,
  `CREATE TRIGGER "TR_scim_users_drift" AFTER INSERT OR UPDATE OF "active", "linkEmailKey" OR DELETE ON "scim_users"
   FOR EACH ROW EXECUTE FUNCTION "scim_users_drift_dirty"()`,
];

const POSTGRES_DROP = [
  'DROP TRIGGER "TR_scim_users_drift" ON "scim_users"',
  'DROP FUNCTION "scim_users_drift_dirty"()',
  'DROP TRIGGER "TR_members_drift" ON "members"',
  'DROP FUNCTION "members_drift_dirty"()',
];
