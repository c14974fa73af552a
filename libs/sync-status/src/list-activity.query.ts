import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsUUID, Length, Max, Min } from 'class-validator';

export const ACTIVITY_OUTCOMES = ['success', 'failure', 'warning'] as const;

export class ListActivityQuery {
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

  /** `failure`: refused (4xx) or failed (5xx); `warning`: something a request skipped. */
  @IsOptional()
  @IsIn(ACTIVITY_OUTCOMES, { message: 'outcome must be one of success, failure, warning' })
  outcome?: (typeof ACTIVITY_OUTCOMES)[number];

  /** Only what concerned this person (a userName, any case). */
  @IsOptional()
  @Length(1, 256, { message: 'email must be 1 to 256 characters' })
  email?: string;

  /** From this instant on. */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since?: string;

  /** Before this instant. */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 date-time' })
  until?: string;
}
