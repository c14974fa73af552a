import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

const companyFk = {
  columnNames: ['companyId'],
  referencedTableName: 'companies',
  referencedColumnNames: ['id'],
  onDelete: 'CASCADE',
};

/** The provisioning log, reconciliation runs and their changes, and leases between instances. */
export class SyncAndReconciliation1732600000000 implements MigrationInterface {
  name = 'SyncAndReconciliation1732600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'provisioning_events',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'companyId', type: 'varchar', length: '64' },
          { name: 'tokenId', type: 'varchar', length: '36', isNullable: true },
          { name: 'method', type: 'varchar', length: '8' },
          { name: 'resourceType', type: 'varchar', length: '32' },
          { name: 'resourceId', type: 'varchar', length: '64', isNullable: true },
          { name: 'outcome', type: 'varchar', length: '8' },
          { name: 'status', type: 'integer' },
          { name: 'errorDetail', type: 'varchar', length: '1024', isNullable: true },
          { name: 'requestId', type: 'varchar', length: '128', isNullable: true },
          { name: 'durationMs', type: 'integer' },
          { name: 'createdAt', type: 'bigint' },
        ],
        foreignKeys: [companyFk],
      }),
    );
    await queryRunner.createIndex(
      'provisioning_events',
      new TableIndex({
        name: 'IX_provisioning_events_company',
        columnNames: ['companyId', 'createdAt'],
      }),
    );
    await queryRunner.createIndex(
      'provisioning_events',
      new TableIndex({ name: 'IX_provisioning_events_created', columnNames: ['createdAt'] }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'reconciliation_runs',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'companyId', type: 'varchar', length: '64' },
          { name: 'trigger', type: 'varchar', length: '16' },
          { name: 'mode', type: 'varchar', length: '8' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'startedAt', type: 'bigint' },
          { name: 'finishedAt', type: 'bigint', isNullable: true },
          { name: 'heartbeatAt', type: 'bigint' },
          { name: 'staleFound', type: 'integer', default: 0 },
          { name: 'fixed', type: 'integer', default: 0 },
          { name: 'countsByReason', type: 'text' },
          { name: 'error', type: 'varchar', length: '1024', isNullable: true },
          { name: 'startedBy', type: 'varchar', length: '255', isNullable: true },
        ],
        foreignKeys: [companyFk],
      }),
    );
    await queryRunner.createIndex(
      'reconciliation_runs',
      new TableIndex({
        name: 'IX_reconciliation_runs_company',
        columnNames: ['companyId', 'startedAt'],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'reconciliation_changes',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'runId', type: 'varchar', length: '36' },
          { name: 'companyId', type: 'varchar', length: '64' },
          { name: 'memberId', type: 'varchar', length: '36' },
          { name: 'email', type: 'varchar', length: '320' },
          { name: 'reason', type: 'varchar', length: '32' },
          { name: 'before', type: 'text' },
          { name: 'after', type: 'text' },
          { name: 'createdAt', type: 'bigint' },
        ],
        foreignKeys: [
          companyFk,
          {
            columnNames: ['runId'],
            referencedTableName: 'reconciliation_runs',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createIndex(
      'reconciliation_changes',
      new TableIndex({
        name: 'IX_reconciliation_changes_run',
        columnNames: ['companyId', 'runId'],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'reconciliation_settings',
        columns: [
          { name: 'companyId', type: 'varchar', length: '64', isPrimary: true },
          { name: 'autoRepair', type: 'boolean', default: false },
          // What happens to managed members once nothing provisions them: release to manual
          // management (keep their access) or suspend them.
          { name: 'orphanPolicy', type: 'varchar', length: '8', default: "'release'" },
          { name: 'updatedAt', type: 'bigint' },
        ],
        foreignKeys: [companyFk],
      }),
    );

    // A lease names who may do a piece of work until when (a reconcile run of a company, a
    // scheduled tick), so that several instances on one database do it once.
    await queryRunner.createTable(
      new Table({
        name: 'company_leases',
        columns: [
          { name: 'companyId', type: 'varchar', length: '64', isPrimary: true },
          { name: 'name', type: 'varchar', length: '32', isPrimary: true },
          { name: 'holder', type: 'varchar', length: '64', isNullable: true },
          { name: 'expiresAt', type: 'bigint', default: 0 },
          { name: 'lastTick', type: 'bigint', default: 0 },
        ],
        foreignKeys: [companyFk],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('company_leases');
    await queryRunner.dropTable('reconciliation_settings');
    await queryRunner.dropTable('reconciliation_changes');
    await queryRunner.dropTable('reconciliation_runs');
    await queryRunner.dropTable('provisioning_events');
  }
}
