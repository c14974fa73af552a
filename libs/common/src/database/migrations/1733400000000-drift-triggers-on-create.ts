import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  POSTGRES_USERS_DRIFT_FUNCTION,
  SQLITE_USERS_INSERT_TRIGGER,
} from './1733200000000-kept-drift';

/**
 * The kept-drift trigger of `scim_users` does less on a create (issue 16): a new SCIM user's
 * id is new (the service assigns it), so no member can name it yet, and marking "the members
 * of this user" dirty was an UPDATE that matched nothing. On PostgreSQL each of the trigger's
 * statements is planned at every run (see 1733200000000), and dropping the triggers took
 * 0.9 ms off a 4.2 ms POST (bench/drift-triggers.bench.ts). What stays: the member its link
 * email names, on a create; on a change of `active` or the link email, the user's members
 * once (its id does not change), and the members of the old and new email.
 */
export class DriftTriggersOnCreate1733400000000 implements MigrationInterface {
  name = 'DriftTriggersOnCreate1733400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query(POSTGRES_FUNCTION);
      return;
    }
    await queryRunner.query('DROP TRIGGER "TR_scim_users_drift_insert"');
    await queryRunner.query(`CREATE TRIGGER "TR_scim_users_drift_insert" AFTER INSERT ON "scim_users"
      BEGIN UPDATE "members" SET "driftDirty" = TRUE WHERE "companyId" = NEW."companyId" AND "emailKey" = NEW."linkEmailKey"; END`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query(
        POSTGRES_USERS_DRIFT_FUNCTION.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'),
      );
      return;
    }
    await queryRunner.query('DROP TRIGGER "TR_scim_users_drift_insert"');
    await queryRunner.query(SQLITE_USERS_INSERT_TRIGGER);
  }
}

/** Replaced by migration 1733500000000; its down() restores this. */
export const POSTGRES_FUNCTION = `CREATE OR REPLACE FUNCTION "scim_users_drift_dirty"() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     by_user CONSTANT text := 'UPDATE "members" SET "driftDirty" = TRUE WHERE "companyId" = $1 AND "scimUserId" = $2';
     by_email CONSTANT text := 'UPDATE "members" SET "driftDirty" = TRUE WHERE "companyId" = $1 AND "emailKey" = $2';
     moved boolean := TG_OP = 'UPDATE' AND (NEW."active", NEW."linkEmailKey") IS DISTINCT FROM (OLD."active", OLD."linkEmailKey");
   BEGIN
     IF moved OR TG_OP = 'DELETE' THEN
       EXECUTE by_user USING OLD."companyId", OLD."id";
     END IF;
     IF TG_OP = 'INSERT' OR moved THEN
       EXECUTE by_email USING NEW."companyId", NEW."linkEmailKey";
     END IF;
     IF TG_OP = 'DELETE' OR (moved AND OLD."linkEmailKey" IS DISTINCT FROM NEW."linkEmailKey") THEN
       EXECUTE by_email USING OLD."companyId", OLD."linkEmailKey";
     END IF;
     RETURN NULL;
   END $$`;
