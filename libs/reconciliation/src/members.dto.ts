import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { CompanyRole } from '@app/common';
import { MemberSource, MemberStatus } from '@app/directory';
import { STALE_REASONS, StaleReason } from './drift';

const ROLES = ['owner', 'admin', 'member'];
const STATUSES = ['active', 'suspended', 'deprovisioned'];
const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ListMembersQuery {
  @IsOptional()
  @IsIn(STATUSES, { message: 'status must be one of active, suspended, deprovisioned' })
  status?: MemberStatus;

  @IsOptional()
  @IsIn(['manual', 'sso', 'scim'], { message: 'source must be one of manual, sso, scim' })
  source?: MemberSource;

  @IsOptional()
  @IsIn(ROLES, { message: 'role must be one of owner, admin, member' })
  role?: CompanyRole;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'managed must be true or false' })
  managed?: boolean;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'stale must be true or false' })
  stale?: boolean;

  @IsOptional()
  @IsIn(STALE_REASONS, { message: `staleReason must be one of ${STALE_REASONS.join(', ')}` })
  staleReason?: StaleReason;

  /** Exact, case-insensitive: how the platform asks whether someone has access. */
  @IsOptional()
  @MaxLength(320)
  email?: string;

  /** The start of the email, any case (the console's search box). */
  @IsOptional()
  @IsString({ message: 'search must be a string' })
  @MaxLength(320, { message: 'search must be at most 320 characters' })
  search?: string;

  /**
   * The `nextAfter` of the previous page: the next page in email order, read from the index
   * wherever it is (an `offset` walks every member before it).
   */
  @IsOptional()
  @IsString({ message: 'after must be the nextAfter of a previous page' })
  @MaxLength(500, { message: 'after must be the nextAfter of a previous page' })
  after?: string;

  @ApiPropertyOptional({ type: 'integer', default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer from 1 to 500' })
  @Min(1, { message: 'limit must be an integer from 1 to 500' })
  @Max(500, { message: 'limit must be an integer from 1 to 500' })
  limit?: number;

  @ApiPropertyOptional({ type: 'integer', default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'offset must be an integer from 0 to 2147483647' })
  @Min(0, { message: 'offset must be an integer from 0 to 2147483647' })
  @Max(2_147_483_647, { message: 'offset must be an integer from 0 to 2147483647' })
  offset?: number;
}

export class AddMemberDto {
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  email: string;

  @IsIn(ROLES, { message: 'role must be one of owner, admin, member' })
  role: CompanyRole;

  /** Members from SCIM are made by SCIM; here they come from an invitation or an SSO sign-in. */
  @IsIn(['manual', 'sso'], { message: 'source must be manual or sso' })
  source: 'manual' | 'sso';
}

export class UpdateMemberDto {
  @IsOptional()
  @IsIn(STATUSES, { message: 'status must be one of active, suspended, deprovisioned' })
  status?: MemberStatus;

  @IsOptional()
  @IsIn(ROLES, { message: 'role must be one of owner, admin, member' })
  role?: CompanyRole;
}

export class ReconciliationSettingsDto {
  @IsOptional()
  @IsBoolean({ message: 'autoRepair must be a boolean' })
  autoRepair?: boolean;

  @IsOptional()
  @IsIn(['release', 'suspend'], { message: 'orphanPolicy must be release or suspend' })
  orphanPolicy?: 'release' | 'suspend';
}

/** `POST .../scim/reconcile`: a body is optional. */
export class ReconcileDto {
  /**
   * The `fingerprint` of a preview: the run then applies exactly that plan, or answers 409 if
   * what it would change has moved since.
   */
  @IsOptional()
  @IsString({ message: 'preview must be the fingerprint of a preview' })
  @MaxLength(100, { message: 'preview must be the fingerprint of a preview' })
  preview?: string;
}

export class PreviewReconciliationQuery {
  @ApiPropertyOptional({ type: 'integer', default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number from 1 to 500' })
  @Min(1, { message: 'limit must be a whole number from 1 to 500' })
  @Max(500, { message: 'limit must be a whole number from 1 to 500' })
  limit?: number;

  /** The `nextAfter` of the previous page. */
  @IsOptional()
  @IsUUID('all', { message: 'after must be the nextAfter of a previous page' })
  after?: string;
}
