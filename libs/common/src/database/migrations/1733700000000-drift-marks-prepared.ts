import { MigrationInterface, QueryRunner } from 'typeorm';
import { POSTGRES_FUNCTION } from './1733400000000-drift-triggers-on-create';

/**
 * PostgreSQL: the kept-drift trigger of `scim_users` runs its marks as static statements
 * instead of EXECUTE, which parsed each of them at every run (a deactivating PATCH runs two,
 * by user and by email).
 *
 * 1733200000000 chose EXECUTE because a static statement's plan is cached for the session, and
 * one made while `members` was nearly empty (a scan) could outlive the table's growth. The
 * function keeps that property with `plan_cache_mode = force_custom_plan` (set on the function,
 * so only its own statements): each run still plans with the row's real values, as EXECUTE
 * did, and only the parsing goes. PostgreSQL's CPU per deactivating PATCH (10,000 users,
 * `PROFILE=0 node bench/profile.mjs patch`, four runs before, three after): 1,184 to 1,569 µs
 * (mean 1,424) with EXECUTE, 1,218 to 1,290 (mean 1,249) now. A cached generic plan took it to
 * 1,183, not worth a plan that might be a scan at 100,000 members.
 */
export class DriftMarksPrepared1733700000000 implements MigrationInterface {
  name = 'DriftMarksPrepared1733700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query(STATIC_FUNCTION);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query(
      POSTGRES_FUNCTION.replaceAll(`= $2';`, `= $2 AND "driftDirty" = FALSE';`),
    );
  }
}

const mark = (column: 'scimUserId' | 'emailKey', company: string, value: string) =>
  `UPDATE "members" SET "driftDirty" = TRUE
        WHERE "companyId" = ${company} AND "${column}" = ${value} AND "driftDirty" = FALSE;`;

const STATIC_FUNCTION = `CREATE OR REPLACE FUNCTION "scim_users_drift_dirty"() RETURNS trigger LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
   DECLARE
     moved boolean := TG_OP = 'UPDATE' AND (NEW."active", NEW."linkEmailKey") IS DISTINCT FROM (OLD."active", OLD."linkEmailKey");
   BEGIN
     IF moved OR TG_OP = 'DELETE' THEN
       ${mark('scimUserId', 'OLD."companyId"', 'OLD."id"')}
     END IF;
     IF TG_OP = 'INSERT' OR moved THEN
       ${mark('emailKey', 'NEW."companyId"', 'NEW."linkEmailKey"')}
     END IF;
     IF TG_OP = 'DELETE' OR (moved AND OLD."linkEmailKey" IS DISTINCT FROM NEW."linkEmailKey") THEN
       ${mark('emailKey', 'OLD."companyId"', 'OLD."linkEmailKey"')}
     END IF;
     RETURN NULL;
   END $$`;
