import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

const companyFk = {
  columnNames: ['companyId'],
  referencedTableName: 'companies',
  referencedColumnNames: ['id'],
  onDelete: 'CASCADE',
};

/** SCIM users (with the indexed columns IdPs look up), their emails, and company members. */
export class UsersAndMembers1732400000000 implements MigrationInterface {
  name = 'UsersAndMembers1732400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'scim_users',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'companyId', type: 'varchar', length: '64' },
          { name: 'userName', type: 'varchar', length: '1024' },
          // Case-folded in code (caseExact: false), so uniqueness and filters agree on both engines.
          { name: 'userNameKey', type: 'varchar', length: '1024' },
          { name: 'externalId', type: 'varchar', length: '1024', isNullable: true },
          { name: 'displayNameKey', type: 'varchar', length: '1024', isNullable: true },
          { name: 'active', type: 'boolean' },
          // The folded email that links this user to a company member (null: none, not linked).
          { name: 'linkEmailKey', type: 'varchar', length: '320', isNullable: true },
          { name: 'document', type: 'text' },
          { name: 'searchDocument', type: 'text' },
          { name: 'version', type: 'integer' },
          { name: 'createdAt', type: 'bigint' },
          { name: 'updatedAt', type: 'bigint' },
        ],
        foreignKeys: [companyFk],
      }),
    );
    const userIndexes: [string, string[], boolean?][] = [
      ['UQ_scim_users_userName', ['companyId', 'userNameKey'], true],
      ['IX_scim_users_id', ['companyId', 'id']],
      ['IX_scim_users_externalId', ['companyId', 'externalId']],
      ['IX_scim_users_displayName', ['companyId', 'displayNameKey']],
      ['IX_scim_users_active', ['companyId', 'active']],
      ['IX_scim_users_created', ['companyId', 'createdAt']],
      ['IX_scim_users_modified', ['companyId', 'updatedAt']],
      ['IX_scim_users_linkEmail', ['companyId', 'linkEmailKey']],
    ];
    for (const [name, columnNames, isUnique] of userIndexes) {
      await queryRunner.createIndex(
        'scim_users',
        new TableIndex({ name, columnNames, isUnique: isUnique ?? false }),
      );
    }

    await queryRunner.createTable(
      new Table({
        name: 'scim_user_emails',
        columns: [
          { name: 'userId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'position', type: 'integer', isPrimary: true },
          { name: 'companyId', type: 'varchar', length: '64' },
          { name: 'valueKey', type: 'varchar', length: '1024', isNullable: true },
          { name: 'typeKey', type: 'varchar', length: '64', isNullable: true },
          { name: 'displayKey', type: 'varchar', length: '1024', isNullable: true },
          { name: 'primary', type: 'boolean', default: false },
        ],
        foreignKeys: [
          companyFk,
          {
            columnNames: ['userId'],
            referencedTableName: 'scim_users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createIndex(
      'scim_user_emails',
      new TableIndex({ name: 'IX_scim_user_emails_value', columnNames: ['companyId', 'valueKey'] }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'scim_resource_counts',
        columns: [
          { name: 'companyId', type: 'varchar', length: '64', isPrimary: true },
          { name: 'users', type: 'integer', default: 0 },
          { name: 'groups', type: 'integer', default: 0 },
        ],
        foreignKeys: [companyFk],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'members',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'companyId', type: 'varchar', length: '64' },
          { name: 'email', type: 'varchar', length: '320' },
          { name: 'emailKey', type: 'varchar', length: '320' },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'source', type: 'varchar', length: '8' },
          { name: 'managed', type: 'boolean', default: false },
          { name: 'scimUserId', type: 'varchar', length: '36', isNullable: true },
          { name: 'createdAt', type: 'bigint' },
          { name: 'updatedAt', type: 'bigint' },
        ],
        foreignKeys: [
          companyFk,
          {
            columnNames: ['scimUserId'],
            referencedTableName: 'scim_users',
            referencedColumnNames: ['id'],
            onDelete: 'SET NULL',
          },
        ],
      }),
    );
    await queryRunner.createIndex(
      'members',
      new TableIndex({
        name: 'UQ_members_email',
        columnNames: ['companyId', 'emailKey'],
        isUnique: true,
      }),
    );
    await queryRunner.createIndex(
      'members',
      new TableIndex({ name: 'IX_members_scimUser', columnNames: ['companyId', 'scimUserId'] }),
    );
    await queryRunner.createIndex(
      'members',
      new TableIndex({ name: 'IX_members_status', columnNames: ['companyId', 'status'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('members');
    await queryRunner.dropTable('scim_resource_counts');
    await queryRunner.dropTable('scim_user_emails');
    await queryRunner.dropTable('scim_users');
  }
}
