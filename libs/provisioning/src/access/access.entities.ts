import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CompanyId, CompanyRole, TimestampColumn } from '@app/common';

/** A company's rules for people its IdP provisions. */
@Entity('access_policies')
export class AccessPolicyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  /** The role of a provisioned person whom no mapped group gives one. */
  @Column({ type: 'varchar', length: 16, default: 'member' })
  defaultRole: CompanyRole;

  /** Only people in at least one mapped group may enter. */
  @Column({ type: 'boolean', default: false })
  requireGroupMembership: boolean;

  @TimestampColumn()
  updatedAt: Date;

  @Column({ type: 'varchar', length: 255 })
  updatedBy: string;
}

/** "Members of this SCIM group get this role." The group is named by id or by displayName. */
@Entity('group_role_mappings')
export class GroupRoleMappingEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @Column({ type: 'varchar', length: 36, nullable: true })
  groupId: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  displayName: string | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  displayNameKey: string | null;

  @Column({ type: 'varchar', length: 16 })
  role: CompanyRole;

  @TimestampColumn()
  createdAt: Date;

  @Column({ type: 'varchar', length: 255 })
  createdBy: string;
}
