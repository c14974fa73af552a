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
