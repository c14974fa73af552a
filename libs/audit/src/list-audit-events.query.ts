import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';

export class ListAuditEventsQuery {
  @ApiPropertyOptional({ type: 'integer', default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number from 1 to 200' })
  @Min(1, { message: 'limit must be a whole number from 1 to 200' })
  @Max(200, { message: 'limit must be a whole number from 1 to 200' })
  limit?: number;

  /** The `nextBefore` of the previous page. */
  @IsOptional()
  @IsUUID('all', { message: 'before must be the nextBefore of a previous page' })
  before?: string;

  @IsOptional()
  @Matches(/^[a-z_]+\.[a-z_]+$/, {
    message: 'action must be an action name such as scim_token.created',
  })
  action?: string;
}
