import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CompanyId, CompanyRole, TimestampColumn } from '@app/common';

/** Whether a member may enter: `active`; `suspended` (access paused); `deprovisioned` (removed). */
export type MemberStatus = 'active' | 'suspended' | 'deprovisioned';
/** How the member came in: by hand (an invitation), by an SSO sign-in, or provisioned by SCIM. */
export type MemberSource = 'manual' | 'sso' | 'scim';

/** A person's membership of a company: who may enter, with which role. */
@Entity('members')
export class MemberEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  companyId: CompanyId;

  @Column({ type: 'varchar', length: 320 })
  email: string;

  /** The email case-folded: how the platform and SCIM userName find the member. */
  @Column({ type: 'varchar', length: 320 })
  emailKey: string;

  @Column({ type: 'varchar', length: 16 })
  role: CompanyRole;

  @Column({ type: 'varchar', length: 16 })
  status: MemberStatus;

  @Column({ type: 'varchar', length: 8 })
  source: MemberSource;

  /** True while an IdP manages this membership through SCIM. */
  @Column({ type: 'boolean', default: false })
  managed: boolean;

  /** The SCIM user that provisions this member, if any. */
  @Column({ type: 'varchar', length: 36, nullable: true })
  scimUserId: string | null;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn()
  updatedAt: Date;
}
