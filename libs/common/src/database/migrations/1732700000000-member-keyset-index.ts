import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * Members in id order within a company: reconciliation walks them by keyset (id > last) in
 * batches, and without this index each batch would scan the whole company.
 */
export class MemberKeysetIndex1732700000000 implements MigrationInterface {
  name = 'MemberKeysetIndex1732700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'members',
      new TableIndex({ name: 'IX_members_company_id', columnNames: ['companyId', 'id'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('members', 'IX_members_company_id');
  }
}
