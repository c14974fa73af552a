import { MigrationInterface, QueryRunner } from 'typeorm';
import { POSTGRES_FUNCTION } from './1733400000000-drift-triggers-on-create';

/**
 * The kept-drift triggers mark a member dirty only when it is not dirty already (issue 16,
 * round 5). Marking a marked member changed nothing, but it was still an UPDATE: a new row
 * version on PostgreSQL (with an entry in each of the member's indexes, its `status` and the
 * partial `driftDirty` index being in the SET's way of a HOT update), a rewritten row on
 * SQLite. A deactivating PATCH marked one member three times: its own status change (the
 * members trigger), then the user's `active` (the scim_users trigger, by user and by email,
 * both the same member). Now the first mark writes and the others match nothing.
 *
 * Concurrency is unchanged: under READ COMMITTED, an UPDATE that finds the row locked waits
 * and evaluates `"driftDirty" = FALSE` again on the committed version, so a mark racing the
 * drift run's clearing (which sets it FALSE) still lands after it.
 */
export class DriftMarksOnce1733500000000 implements MigrationInterface {
  name = 'DriftMarksOnce1733500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await this.replace(queryRunner, ' AND "driftDirty" = FALSE');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await this.replace(queryRunner, '');
  }

  private async replace(queryRunner: QueryRunner, unmarked: string): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query(postgresUsersFunction(unmarked));
      return;
    }
    for (const name of TRIGGER_NAMES) await queryRunner.query(`DROP TRIGGER "${name}"`);
    for (const trigger of sqliteTriggers(unmarked)) await queryRunner.query(trigger);
  }
}

/** 1733400000000's function, with `unmarked` after each mark's condition (both end `= $2'`). */
const postgresUsersFunction = (unmarked: string) =>
  POSTGRES_FUNCTION.replaceAll(`= $2';`, `= $2${unmarked}';`);

const TRIGGER_NAMES = [
  'TR_members_drift',
  'TR_scim_users_drift_insert',
  'TR_scim_users_drift_update',
  'TR_scim_users_drift_delete',
];

/** As 1733200000000 made them (the insert trigger as 1733400000000 left it), with `unmarked`. */
function sqliteTriggers(unmarked: string): string[] {
  const members = (row: 'NEW' | 'OLD') =>
    `UPDATE "members" SET "driftDirty" = TRUE WHERE "companyId" = ${row}."companyId" AND "scimUserId" = ${row}."id"${unmarked};
   UPDATE "members" SET "driftDirty" = TRUE WHERE "companyId" = ${row}."companyId" AND "emailKey" = ${row}."linkEmailKey"${unmarked};`;
  return [
    `CREATE TRIGGER "TR_members_drift" AFTER UPDATE OF "status", "role", "managed", "scimUserId", "emailKey" ON "members"
   WHEN OLD."status" IS NOT NEW."status" OR OLD."role" IS NOT NEW."role" OR OLD."managed" IS NOT NEW."managed"
     OR OLD."scimUserId" IS NOT NEW."scimUserId" OR OLD."emailKey" IS NOT NEW."emailKey"
   BEGIN UPDATE "members" SET "driftDirty" = TRUE WHERE "id" = NEW."id"${unmarked}; END`,
    `CREATE TRIGGER "TR_scim_users_drift_insert" AFTER INSERT ON "scim_users"
      BEGIN UPDATE "members" SET "driftDirty" = TRUE WHERE "companyId" = NEW."companyId" AND "emailKey" = NEW."linkEmailKey"${unmarked}; END`,
    `CREATE TRIGGER "TR_scim_users_drift_update" AFTER UPDATE OF "active", "linkEmailKey" ON "scim_users"
   WHEN OLD."active" IS NOT NEW."active" OR OLD."linkEmailKey" IS NOT NEW."linkEmailKey"
   BEGIN ${members('NEW')} ${members('OLD')} END`,
    `CREATE TRIGGER "TR_scim_users_drift_delete" AFTER DELETE ON "scim_users"
   BEGIN ${members('OLD')} END`,
  ];
}
