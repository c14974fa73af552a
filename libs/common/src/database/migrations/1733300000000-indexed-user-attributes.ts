import { MigrationInterface, QueryRunner } from 'typeorm';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The new key columns, each with the path of its value in the (folded) search document. */
const KEYS: { column: string; path: string[] }[] = [
  { column: 'familyNameKey', path: ['name', 'familyName'] },
  { column: 'givenNameKey', path: ['name', 'givenName'] },
  { column: 'departmentKey', path: [ENTERPRISE, 'department'] },
];

/**
 * Filters and sorts admins and IdPs send beyond the lookups, served by indexes (issue 16): at
 * 100,000 users `name.familyName eq`, the enterprise `department eq` and
 * `sortBy=name.familyName` each read every row of the company (430 to 450 ms on PostgreSQL,
 * 130 to 150 ms on SQLite), and `sortBy=userName` sorted the company on PostgreSQL.
 *
 * - `familyNameKey`, `givenNameKey`, `departmentKey`: the folded values (as the search
 *   document holds them), each indexed with companyId first and id last, which gives both
 *   equality and the page order (`NULLS LAST`, RFC 7644 §3.4.2.3's absent values last).
 * - PostgreSQL: these and `userNameKey`, `displayNameKey` in the "C" collation. Sorts and
 *   ranges compare by code point (like SQLite, so both engines order alike), and an index
 *   serves an ORDER BY only in the collation it was built with: in the database's default
 *   collation `ORDER BY "userNameKey" COLLATE "C"` sorted every user. Equality is unchanged
 *   (both collations are deterministic), so the unique userName index still means the same.
 */
export class IndexedUserAttributes1733300000000 implements MigrationInterface {
  name = 'IndexedUserAttributes1733300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const collation = postgres ? ' COLLATE "C"' : '';
    for (const { column, path } of KEYS) {
      await queryRunner.query(
        `ALTER TABLE "scim_users" ADD COLUMN "${column}" varchar(1024)${collation} NULL`,
      );
      // Only strings are kept (the key of a number or an object would compare as its text).
      const value = postgres
        ? `CASE WHEN jsonb_typeof(CAST("searchDocument" AS jsonb) #> '{${path.join(',')}}') = 'string'
                THEN left(CAST("searchDocument" AS jsonb) #>> '{${path.join(',')}}', 1024) END`
        : `CASE WHEN json_type("searchDocument", '$.${path.map((key) => `"${key}"`).join('.')}') = 'text'
                THEN substr(json_extract("searchDocument", '$.${path.map((key) => `"${key}"`).join('.')}'), 1, 1024) END`;
      await queryRunner.query(`UPDATE "scim_users" SET "${column}" = ${value}`);
      await queryRunner.query(
        `CREATE INDEX "IX_scim_users_${column.replace(/Key$/, '')}" ON "scim_users" ("companyId", "${column}", "id")`,
      );
    }
    if (postgres) {
      for (const column of ['userNameKey', 'displayNameKey']) {
        await queryRunner.query(
          `ALTER TABLE "scim_users" ALTER COLUMN "${column}" TYPE varchar(1024) COLLATE "C"`,
        );
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      for (const column of ['userNameKey', 'displayNameKey']) {
        await queryRunner.query(
          `ALTER TABLE "scim_users" ALTER COLUMN "${column}" TYPE varchar(1024) COLLATE "default"`,
        );
      }
    }
    for (const { column } of KEYS) {
      await queryRunner.query(`DROP INDEX "IX_scim_users_${column.replace(/Key$/, '')}"`);
      await queryRunner.query(`ALTER TABLE "scim_users" DROP COLUMN "${column}"`);
    }
  }
}
