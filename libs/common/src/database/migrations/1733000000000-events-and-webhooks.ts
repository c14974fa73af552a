import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';

/**
 * The outbox of access events and what delivers them (issue 13, CONTRACT.md "Events"):
 *
 * - `events`: one row per event, written in the transaction of the change it reports.
 *   `position` is the global insertion order; `sequence` counts per company and is taken
 *   from `event_counters` under that row's lock, so it follows commit order within a company
 *   with no gaps. On PostgreSQL `txid` is the writing transaction's id: the platform feed
 *   reads only below the oldest transaction still running (see EventFeedService), so a cursor
 *   never passes an event that commits later with a smaller position. SQLite has one writer:
 *   position order is commit order there and `txid` stays 0.
 * - `platform_keys`: the platform's credentials, stored hashed (like SCIM tokens).
 * - `webhook_endpoints`, `webhook_deliveries` (one row per endpoint and event: its state,
 *   attempts, next attempt and claim) and `webhook_attempts` (every attempt, for the API).
 */
export class EventsAndWebhooks1733000000000 implements MigrationInterface {
  name = 'EventsAndWebhooks1733000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    // The one column whose definition differs: an identity (PostgreSQL) or a rowid alias
    // (SQLite), and the transaction id default that exists on PostgreSQL only.
    await queryRunner.query(
      postgres
        ? `CREATE TABLE "events" (
             "position" BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             "txid" BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
             "id" VARCHAR(36) NOT NULL,
             "companyId" VARCHAR(64) NOT NULL,
             "type" VARCHAR(64) NOT NULL,
             "sequence" BIGINT NOT NULL,
             "occurredAt" BIGINT NOT NULL,
             "data" TEXT NOT NULL)`
        : `CREATE TABLE "events" (
             "position" INTEGER PRIMARY KEY AUTOINCREMENT,
             "txid" BIGINT NOT NULL DEFAULT 0,
             "id" VARCHAR(36) NOT NULL,
             "companyId" VARCHAR(64) NOT NULL,
             "type" VARCHAR(64) NOT NULL,
             "sequence" BIGINT NOT NULL,
             "occurredAt" BIGINT NOT NULL,
             "data" TEXT NOT NULL)`,
    );
    await queryRunner.createIndex(
      'events',
      new TableIndex({ name: 'UQ_events_id', columnNames: ['id'], isUnique: true }),
    );
    await queryRunner.createIndex(
      'events',
      new TableIndex({
        name: 'UQ_events_company_sequence',
        columnNames: ['companyId', 'sequence'],
        isUnique: true,
      }),
    );
    // The platform feed's order on PostgreSQL. SQLite walks the rowid (txid is always 0 there),
    // and an index it never reads would only add a page to every commit.
    if (postgres) {
      await queryRunner.createIndex(
        'events',
        new TableIndex({ name: 'IX_events_feed', columnNames: ['txid', 'position'] }),
      );
    }
    await queryRunner.createIndex(
      'events',
      new TableIndex({ name: 'IX_events_occurred', columnNames: ['occurredAt'] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'event_counters',
        columns: [
          { name: 'companyId', type: 'varchar', length: '64', isPrimary: true },
          { name: 'lastSequence', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'platform_keys',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'label', type: 'varchar', length: '100' },
          { name: 'prefix', type: 'varchar', length: '32' },
          { name: 'secretHash', type: 'varchar', length: '64', isUnique: true },
          { name: 'createdAt', type: 'bigint' },
          { name: 'lastUsedAt', type: 'bigint', isNullable: true },
          { name: 'revokedAt', type: 'bigint', isNullable: true },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_endpoints',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'url', type: 'varchar', length: '2048' },
          { name: 'description', type: 'varchar', length: '500', isNullable: true },
          // `,type,type,` (null: every type), so one LIKE matches a type on both engines.
          { name: 'eventTypes', type: 'varchar', length: '1024', isNullable: true },
          { name: 'companyId', type: 'varchar', length: '64', isNullable: true },
          { name: 'enabled', type: 'boolean', default: true },
          // active | failing (a delivery was given up) | disabled (410 or an operator)
          { name: 'status', type: 'varchar', length: '16', default: "'active'" },
          { name: 'statusReason', type: 'varchar', length: '255', isNullable: true },
          { name: 'secret', type: 'varchar', length: '128' },
          { name: 'previousSecret', type: 'varchar', length: '128', isNullable: true },
          { name: 'previousSecretExpiresAt', type: 'bigint', isNullable: true },
          { name: 'createdAt', type: 'bigint' },
          { name: 'updatedAt', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          { name: 'endpointId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'eventId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'companyId', type: 'varchar', length: '64' },
          { name: 'sequence', type: 'bigint' },
          // pending | delivered | failed (given up)
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'nextAttemptAt', type: 'bigint' },
          { name: 'claimedBy', type: 'varchar', length: '64', isNullable: true },
          { name: 'claimedUntil', type: 'bigint', isNullable: true },
          { name: 'createdAt', type: 'bigint' },
          { name: 'finishedAt', type: 'bigint', isNullable: true },
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['endpointId'],
            referencedTableName: 'webhook_endpoints',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
          new TableForeignKey({
            columnNames: ['eventId'],
            referencedTableName: 'events',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    // The head of each (endpoint, company) queue, and the due work of all queues.
    await queryRunner.createIndex(
      'webhook_deliveries',
      new TableIndex({
        name: 'IX_webhook_deliveries_queue',
        columnNames: ['endpointId', 'companyId', 'state', 'sequence'],
      }),
    );
    await queryRunner.createIndex(
      'webhook_deliveries',
      new TableIndex({
        name: 'IX_webhook_deliveries_due',
        columnNames: ['state', 'nextAttemptAt'],
      }),
    );
    await queryRunner.createIndex(
      'webhook_deliveries',
      new TableIndex({ name: 'IX_webhook_deliveries_event', columnNames: ['eventId'] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_attempts',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'endpointId', type: 'varchar', length: '36' },
          { name: 'eventId', type: 'varchar', length: '36' },
          { name: 'eventType', type: 'varchar', length: '64' },
          { name: 'attempt', type: 'integer' },
          { name: 'startedAt', type: 'bigint' },
          { name: 'durationMs', type: 'integer' },
          { name: 'statusCode', type: 'integer', isNullable: true },
          { name: 'outcome', type: 'varchar', length: '16' },
          { name: 'error', type: 'varchar', length: '512', isNullable: true },
          { name: 'responseBody', type: 'text', isNullable: true },
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['endpointId'],
            referencedTableName: 'webhook_endpoints',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    await queryRunner.createIndex(
      'webhook_attempts',
      new TableIndex({ name: 'IX_webhook_attempts_endpoint', columnNames: ['endpointId', 'id'] }),
    );
    await queryRunner.createIndex(
      'webhook_attempts',
      new TableIndex({ name: 'IX_webhook_attempts_started', columnNames: ['startedAt'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_attempts');
    await queryRunner.dropTable('webhook_deliveries');
    await queryRunner.dropTable('webhook_endpoints');
    await queryRunner.dropTable('platform_keys');
    await queryRunner.dropTable('event_counters');
    await queryRunner.dropTable('events');
  }
}
