import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CompanyId, TimestampColumn } from '@app/common';

/**
 * A SCIM User. The resource lives in `document` (JSON); the attributes IdPs look users up by
 * are copied into indexed columns, case-folded where the schema says caseExact is false.
 */
@Entity('scim_users')
export class ScimUserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @Column({ type: 'varchar', length: 1024 })
  userName: string;

  @Column({ type: 'varchar', length: 1024 })
  userNameKey: string;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  externalId: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  displayNameKey: string | null;

  /**
   * Attributes admins and IdPs filter and sort on beyond the lookups, folded (issue 16): each
   * has an index, so `name.familyName eq` or `sortBy=name.familyName` reads no other row.
   */
  @Column({ type: 'varchar', length: 1024, nullable: true })
  familyNameKey: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  givenNameKey: string | null;

  /** The enterprise extension's department (RFC 7643 §4.3). */
  @Column({ type: 'varchar', length: 1024, nullable: true })
  departmentKey: string | null;

  @Column({ type: 'boolean' })
  active: boolean;

  @Column({ type: 'varchar', length: 320, nullable: true })
  linkEmailKey: string | null;

  @Column({ type: 'simple-json' })
  document: Record<string, unknown>;

  @Column({ type: 'text', select: false })
  searchDocument: string;

  @Column({ type: 'integer' })
  version: number;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn()
  updatedAt: Date;
}

/** One email of a user, in a side table so that `emails.value eq` uses an index. */
@Entity('scim_user_emails')
export class ScimUserEmailEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  userId: string;

  @PrimaryColumn({ type: 'integer' })
  position: number;

  @Column({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  valueKey: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  typeKey: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  displayKey: string | null;

  @Column({ type: 'boolean', default: false })
  primary: boolean;
}

/** Exact per-company resource counts, kept in the same transaction as every create and delete. */
@Entity('scim_resource_counts')
export class ScimResourceCountEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @Column({ type: 'integer', default: 0 })
  users: number;

  @Column({ type: 'integer', default: 0 })
  groups: number;
}
