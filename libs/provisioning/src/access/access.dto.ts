import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { CompanyRole } from '@app/common';

const ROLES = ['owner', 'admin', 'member'];

export class UpdateAccessPolicyDto {
  @IsOptional()
  @IsIn(ROLES, { message: 'defaultRole must be one of owner, admin, member' })
  defaultRole?: CompanyRole;

  @IsOptional()
  @IsBoolean({ message: 'requireGroupMembership must be a boolean' })
  requireGroupMembership?: boolean;
}

export class CreateGroupMappingDto {
  @IsOptional()
  @IsUUID('all', { message: 'groupId must be the id of a SCIM group' })
  groupId?: string;

  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString({ message: 'displayName must be a string' })
  @Length(1, 1024, { message: 'displayName must be 1 to 1024 characters' })
  displayName?: string;

  @IsIn(ROLES, { message: 'role must be one of owner, admin, member' })
  role: CompanyRole;
}
