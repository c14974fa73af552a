import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * Two changes that real clients asked for (issue 11):
 *
 * - Groups may hold groups (RFC 7643 §4.2 `members.type` "Group"). A membership row now says
 *   what it holds (`memberType`: `user` or `group`), so its `memberId` can no longer reference
 *   scim_users: the foreign key goes, and deleting a user or a group removes the rows that
 *   name it explicitly, in the same transaction. The (groupId, memberType) index lets the
 *   nesting queries walk group-to-group edges without reading a big group's user rows.
 * - `active` is kept in the stored document when the IdP assigned it, so that a PATCH
 *   `remove` can leave it unassigned (RFC 7644 §3.5.2.2). The `active` column still decides
 *   access (unassigned means active). Existing users had it assigned: copy it in.
 */
export class NestedGroupsAndUnassignedActive1732900000000 implements MigrationInterface {
  name = 'NestedGroupsAndUnassignedActive1732900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = await queryRunner.getTable('scim_group_members');
    const userReference = table?.foreignKeys.find(
      (key) => key.columnNames.length === 1 && key.columnNames[0] === 'memberId',
    );
    if (userReference) await queryRunner.dropForeignKey('scim_group_members', userReference);
    await queryRunner.addColumn(
      'scim_group_members',
      new TableColumn({ name: 'memberType', type: 'varchar', length: '8', default: "'user'" }),
    );
    await queryRunner.createIndex(
      'scim_group_members',
      new TableIndex({
        name: 'IX_scim_group_members_type',
        columnNames: ['groupId', 'memberType'],
      }),
    );

    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query(
        `UPDATE "scim_users" SET "document" = ("document"::jsonb || jsonb_build_object('active', "active"))::text`,
      );
    } else {
      await queryRunner.query(
        `UPDATE "scim_users" SET "document" = json_set("document", '$.active', CASE WHEN "active" THEN json('true') ELSE json('false') END)`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "scim_group_members" WHERE "memberType" <> 'user'`);
    await queryRunner.dropIndex('scim_group_members', 'IX_scim_group_members_type');
    await queryRunner.dropColumn('scim_group_members', 'memberType');
  }
}
