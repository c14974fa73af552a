import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * The provisioning log as the console's Activity view reads it (issue 15):
 *
 * - `operation` says what a write did in the domain's words (`user.deactivated`, not PATCH)
 *   and `subject` whom it concerned (the userName or group displayName), with `subjectKey`
 *   folded for the "by person" filter. Rows written before this have neither: the answer
 *   derives the operation from the method and finds the subject by the resource id.
 * - `IX_provisioning_events_activity`: the company's entries newest first, without the
 *   successful reads (an IdP's lookups outnumber its writes many times; a page of activity
 *   must not walk past them). A partial index, same predicate in the query, on both engines.
 * - `IX_provisioning_events_subject`: one person's entries.
 */
/**
 * What the Activity view lists: every entry but a successful read. ActivityService repeats
 * this text exactly (SQLite uses a partial index only for a WHERE term identical to its own).
 */
const ACTIVITY_PREDICATE = `("method" <> 'GET' OR "outcome" <> 'success')`;

export class ProvisioningActivity1733100000000 implements MigrationInterface {
  name = 'ProvisioningActivity1733100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('provisioning_events', [
      new TableColumn({ name: 'operation', type: 'varchar', length: '32', isNullable: true }),
      new TableColumn({ name: 'subject', type: 'varchar', length: '256', isNullable: true }),
      new TableColumn({ name: 'subjectKey', type: 'varchar', length: '256', isNullable: true }),
    ]);
    await queryRunner.createIndex(
      'provisioning_events',
      new TableIndex({
        name: 'IX_provisioning_events_activity',
        columnNames: ['companyId', 'id'],
        where: ACTIVITY_PREDICATE,
      }),
    );
    await queryRunner.createIndex(
      'provisioning_events',
      new TableIndex({
        name: 'IX_provisioning_events_subject',
        columnNames: ['companyId', 'subjectKey', 'id'],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('provisioning_events', 'IX_provisioning_events_subject');
    await queryRunner.dropIndex('provisioning_events', 'IX_provisioning_events_activity');
    for (const column of ['subjectKey', 'subject', 'operation'])
      await queryRunner.dropColumn('provisioning_events', column);
  }
}
