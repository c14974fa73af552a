import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CompanyId, TimestampColumn } from '@app/common';

/** A SCIM Group. Its members live in scim_group_members, never in the document. */
@Entity('scim_groups')
export class ScimGroupEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @Column({ type: 'varchar', length: 1024 })
  displayName: string;

  /** displayName case-folded: unique per company (RFC 7643 §4.2 says uniqueness is ours to pick). */
  @Column({ type: 'varchar', length: 1024 })
  displayNameKey: string;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  externalId: string | null;

  @Column({ type: 'simple-json' })
  document: Record<string, unknown>;

  @Column({ type: 'text', select: false })
  searchDocument: string;

  /** Kept in step with scim_group_members in the same transaction. */
  @Column({ type: 'integer', default: 0 })
  memberCount: number;

  @Column({ type: 'integer' })
  version: number;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn()
  updatedAt: Date;
}

/** What a membership row holds: a user, or a nested group (RFC 7643 §4.2 `members.type`). */
export type GroupMemberType = 'user' | 'group';

/** One direct member (a user or a group) of one group. */
@Entity('scim_group_members')
export class ScimGroupMemberEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  groupId: string;

  @PrimaryColumn({ type: 'varchar', length: 36 })
  memberId: string;

  @Column({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  display: string | null;

  @Column({ type: 'varchar', length: 8, default: 'user' })
  memberType: GroupMemberType;
}
