import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

const companyFk = {
  columnNames: ['companyId'],
  referencedTableName: 'companies',
  referencedColumnNames: ['id'],
  onDelete: 'CASCADE',
};

/** SCIM groups, their memberships, and group-based access (role mappings and policy). */
export class GroupsAndAccess1732500000000 implements MigrationInterface {
  name = 'GroupsAndAccess1732500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'scim_groups',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'companyId', type: 'varchar', length: '64' },
          { name: 'displayName', type: 'varchar', length: '1024' },
          { name: 'displayNameKey', type: 'varchar', length: '1024' },
          { name: 'externalId', type: 'varchar', length: '1024', isNullable: true },
          { name: 'document', type: 'text' },
          { name: 'searchDocument', type: 'text' },
          { name: 'memberCount', type: 'integer', default: 0 },
          { name: 'version', type: 'integer' },
          { name: 'createdAt', type: 'bigint' },
          { name: 'updatedAt', type: 'bigint' },
        ],
        foreignKeys: [companyFk],
      }),
    );
    const groupIndexes: [string, string[], boolean?][] = [
      ['UQ_scim_groups_displayName', ['companyId', 'displayNameKey'], true],
      ['IX_scim_groups_id', ['companyId', 'id']],
      ['IX_scim_groups_externalId', ['companyId', 'externalId']],
      ['IX_scim_groups_created', ['companyId', 'createdAt']],
      ['IX_scim_groups_modified', ['companyId', 'updatedAt']],
    ];
    for (const [name, columnNames, isUnique] of groupIndexes) {
      await queryRunner.createIndex(
        'scim_groups',
        new TableIndex({ name, columnNames, isUnique: isUnique ?? false }),
      );
    }

    await queryRunner.createTable(
      new Table({
        name: 'scim_group_members',
        columns: [
          { name: 'groupId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'memberId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'companyId', type: 'varchar', length: '64' },
          // The member's display as the IdP sent it (RFC 7643 §4.2 members.display).
          { name: 'display', type: 'varchar', length: '1024', isNullable: true },
        ],
        foreignKeys: [
          companyFk,
          {
            columnNames: ['groupId'],
            referencedTableName: 'scim_groups',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          // Deleting a user removes its memberships in the same transaction.
          {
            columnNames: ['memberId'],
            referencedTableName: 'scim_users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createIndex(
      'scim_group_members',
      new TableIndex({
        name: 'IX_scim_group_members_member',
        columnNames: ['companyId', 'memberId'],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'group_role_mappings',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'companyId', type: 'varchar', length: '64' },
          // A mapping names a SCIM group by id, or by displayName (which may arrive later).
          { name: 'groupId', type: 'varchar', length: '36', isNullable: true },
          { name: 'displayName', type: 'varchar', length: '1024', isNullable: true },
          { name: 'displayNameKey', type: 'varchar', length: '1024', isNullable: true },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'createdAt', type: 'bigint' },
          { name: 'createdBy', type: 'varchar', length: '255' },
        ],
        foreignKeys: [companyFk],
      }),
    );
    await queryRunner.createIndex(
      'group_role_mappings',
      new TableIndex({ name: 'IX_group_role_mappings_company', columnNames: ['companyId'] }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'access_policies',
        columns: [
          { name: 'companyId', type: 'varchar', length: '64', isPrimary: true },
          { name: 'defaultRole', type: 'varchar', length: '16', default: "'member'" },
          { name: 'requireGroupMembership', type: 'boolean', default: false },
          { name: 'updatedAt', type: 'bigint' },
          { name: 'updatedBy', type: 'varchar', length: '255' },
        ],
        foreignKeys: [companyFk],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('access_policies');
    await queryRunner.dropTable('group_role_mappings');
    await queryRunner.dropTable('scim_group_members');
    await queryRunner.dropTable('scim_groups');
  }
}
