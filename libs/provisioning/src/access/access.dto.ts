import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
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

/** One change to rehearse (`POST .../scim/access/preview`): exactly one of the three. */
export class PreviewAccessChangeDto {
  /** A change of the policy, as `PUT .../scim/access` takes it. */
  @IsOptional()
  @ValidateNested()
  @Type(() => UpdateAccessPolicyDto)
  policy?: UpdateAccessPolicyDto;

  /** A new mapping, as `POST .../scim/group-mappings` takes it. */
  @IsOptional()
  @ValidateNested()
  @Type(() => CreateGroupMappingDto)
  addMapping?: CreateGroupMappingDto;

  /** The id of a mapping to remove. */
  @IsOptional()
  @IsUUID('all', { message: 'removeMappingId must be the id of a mapping' })
  removeMappingId?: string;
}

export class ListScimGroupsQuery {
  /** The start of the group's displayName, any case. */
  @IsOptional()
  @IsString({ message: 'search must be a string' })
  @Length(0, 256, { message: 'search must be at most 256 characters' })
  search?: string;

  @ApiPropertyOptional({ type: 'integer', default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number from 1 to 100' })
  @Min(1, { message: 'limit must be a whole number from 1 to 100' })
  @Max(100, { message: 'limit must be a whole number from 1 to 100' })
  limit?: number;
}
