import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** The audit log of admin actions, read newest first per company (ids are UUIDv7). */
export class AuditLog1732800000000 implements MigrationInterface {
  name = 'AuditLog1732800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'companyId', type: 'varchar', length: '64' },
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'actorId', type: 'varchar', length: '255' },
          { name: 'actorEmail', type: 'varchar', length: '320', isNullable: true },
          { name: 'targetId', type: 'varchar', length: '64', isNullable: true },
          { name: 'details', type: 'text', isNullable: true },
          { name: 'requestId', type: 'varchar', length: '128', isNullable: true },
          { name: 'createdAt', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createIndex(
      'audit_events',
      new TableIndex({ name: 'IX_audit_events_company_id', columnNames: ['companyId', 'id'] }),
    );
    await queryRunner.createIndex(
      'audit_events',
      new TableIndex({
        name: 'IX_audit_events_company_action',
        columnNames: ['companyId', 'action', 'id'],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_events');
  }
}
