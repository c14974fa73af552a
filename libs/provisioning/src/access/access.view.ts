import { ApiProperty } from '@nestjs/swagger';
import type { CompanyRole } from '@app/common';

/** A role given to the members of a SCIM group. */
export class GroupMappingView {
  @ApiProperty({ format: 'uuid' })
  id: string;
  /** The SCIM group's id (null until a group of that displayName exists). */
  groupId: string | null;
  displayName: string | null;
  role: CompanyRole;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  createdBy: string | null;
}

/** Group-based access: the default role, whether a mapped group is required, the mappings. */
export class AccessPolicyView {
  defaultRole: CompanyRole;
  requireGroupMembership: boolean;
  mappings: GroupMappingView[];
}

/** One member a previewed change would change. */
export class AccessPreviewMemberView {
  @ApiProperty({ format: 'uuid' })
  memberId: string;
  email: string;
  /** `revoked` (suspended or deprovisioned), `granted` (active again) or `role_changed`. */
  change: 'revoked' | 'granted' | 'role_changed';
  /** The status or role after the change, and before it (null where the change has none). */
  status: string | null;
  previousStatus: string | null;
  role: string | null;
  previousRole: string | null;
}

/** What a change of group-based access would do, before it is saved. */
export class AccessPreviewView {
  /** Members who would lose access. */
  @ApiProperty({ type: 'integer' })
  revoked: number;
  /** Members who would get access back. */
  @ApiProperty({ type: 'integer' })
  granted: number;
  @ApiProperty({ type: 'integer' })
  roleChanged: number;
  /** The first 100 of them. */
  members: AccessPreviewMemberView[];
}

/** A SCIM group, as the console suggests it for a mapping. */
export class ScimGroupSuggestionView {
  @ApiProperty({ format: 'uuid' })
  id: string;
  displayName: string;
  @ApiProperty({ type: 'integer' })
  memberCount: number;
}
