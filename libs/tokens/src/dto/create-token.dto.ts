import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsISO8601, IsOptional, IsString, Length } from 'class-validator';

export class CreateTokenDto {
  /** Says which IdP or connection holds the token ("Okta production"). */
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString({ message: 'label must be a string of 1 to 100 characters' })
  @Length(1, 100, { message: 'label must be 1 to 100 characters (after trimming)' })
  label: string;

  /** Optional expiry; tokens without one last until revoked. */
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: string;
}
