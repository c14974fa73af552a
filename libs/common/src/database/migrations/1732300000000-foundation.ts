import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Companies, their SSO connection and SCIM switch, and provisioning tokens. */
export class Foundation1732300000000 implements MigrationInterface {
  name = 'Foundation1732300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'companies',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'createdAt', type: 'bigint' },
          { name: 'updatedAt', type: 'bigint' },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'sso_connections',
        columns: [
          { name: 'companyId', type: 'varchar', length: '64', isPrimary: true },
          { name: 'protocol', type: 'varchar', length: '16' },
          { name: 'entityId', type: 'varchar', length: '2048', isNullable: true },
          { name: 'ssoUrl', type: 'varchar', length: '2048', isNullable: true },
          { name: 'issuer', type: 'varchar', length: '2048', isNullable: true },
          { name: 'clientId', type: 'varchar', length: '512', isNullable: true },
          { name: 'scimEnabled', type: 'boolean', default: false },
          { name: 'createdAt', type: 'bigint' },
          { name: 'updatedAt', type: 'bigint' },
          { name: 'updatedBy', type: 'varchar', length: '255' },
        ],
        foreignKeys: [
          {
            columnNames: ['companyId'],
            referencedTableName: 'companies',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'scim_tokens',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'companyId', type: 'varchar', length: '64' },
          { name: 'label', type: 'varchar', length: '100' },
          { name: 'prefix', type: 'varchar', length: '16' },
          { name: 'secretHash', type: 'varchar', length: '64' },
          { name: 'createdAt', type: 'bigint' },
          { name: 'createdBy', type: 'varchar', length: '255' },
          { name: 'lastUsedAt', type: 'bigint', isNullable: true },
          { name: 'expiresAt', type: 'bigint', isNullable: true },
          { name: 'revokedAt', type: 'bigint', isNullable: true },
          { name: 'revokedBy', type: 'varchar', length: '255', isNullable: true },
        ],
        foreignKeys: [
          {
            columnNames: ['companyId'],
            referencedTableName: 'companies',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    // The one index without companyId: a bearer token must find its company from the hash
    // alone. SHA-256 of 256 random bits is unique across all companies by construction.
    await queryRunner.createIndex(
      'scim_tokens',
      new TableIndex({
        name: 'UQ_scim_tokens_secretHash',
        columnNames: ['secretHash'],
        isUnique: true,
      }),
    );
    await queryRunner.createIndex(
      'scim_tokens',
      new TableIndex({ name: 'IX_scim_tokens_company', columnNames: ['companyId', 'createdAt'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('scim_tokens');
    await queryRunner.dropTable('sso_connections');
    await queryRunner.dropTable('companies');
  }
}
