import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { COMPANY_ID_PATTERN } from '@app/common';
import { EVENT_TYPES } from './event-types';

const TYPES_MESSAGE = `type must be a comma-separated list of event types (${EVENT_TYPES.join(', ')})`;
const EVENT_TYPES_MESSAGE = `eventTypes must be a list of event types (${EVENT_TYPES.join(', ')})`;

/** `?type=a,b`, `?type=a&type=b` or both, as one list. */
const commaList = ({ value }: { value: unknown }) =>
  typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    ? [value]
        .flat()
        .flatMap((item: string) => item.split(','))
        .map((item) => item.trim())
        .filter(Boolean)
    : value;

/** The company feed's query (CONTRACT.md "Platform API"). */
export class CompanyFeedQuery {
  /** The `nextCursor` of the previous page; absent: from the oldest event kept. */
  @IsOptional()
  @IsString()
  @MaxLength(200, { message: 'after must be the nextCursor of a previous page' })
  after?: string;

  @ApiPropertyOptional({ type: 'integer', default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number from 1 to 1000' })
  @Min(1, { message: 'limit must be a whole number from 1 to 1000' })
  @Max(1000, { message: 'limit must be a whole number from 1 to 1000' })
  limit?: number;

  /** Only these event types: repeat the parameter, or separate the types with commas. */
  @IsOptional()
  @Transform(commaList)
  @IsArray({ message: TYPES_MESSAGE })
  @ArrayMaxSize(EVENT_TYPES.length, { message: TYPES_MESSAGE })
  @IsIn(EVENT_TYPES, { each: true, message: TYPES_MESSAGE })
  type?: string[];

  /** Seconds to wait for an event newer than `after` when there is none yet. */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'wait must be a whole number of seconds from 0 to 30' })
  @Min(0, { message: 'wait must be a whole number of seconds from 0 to 30' })
  @Max(30, { message: 'wait must be a whole number of seconds from 0 to 30' })
  wait?: number;
}

/** The platform feed's query: the same, and optionally one company. */
export class PlatformFeedQuery extends CompanyFeedQuery {
  @IsOptional()
  @Matches(COMPANY_ID_PATTERN, { message: 'companyId must be a company id' })
  companyId?: string;
}

/** What an endpoint says besides its URL (create and change alike): which events, whose, a note. */
class WebhookEndpointScope {
  /** The event types to deliver; absent or null: every type. */
  @IsOptional()
  @IsArray({ message: EVENT_TYPES_MESSAGE })
  @ArrayMinSize(1, {
    message: 'eventTypes must list at least one type (omit it, or null, for every type)',
  })
  @ArrayMaxSize(EVENT_TYPES.length, { message: EVENT_TYPES_MESSAGE })
  @IsIn(EVENT_TYPES, { each: true, message: EVENT_TYPES_MESSAGE })
  eventTypes?: string[] | null;

  /** Only this company's events; absent or null: every company's. */
  @IsOptional()
  @Matches(COMPANY_ID_PATTERN, { message: 'companyId must be a company id' })
  companyId?: string | null;

  @IsOptional()
  @IsString({ message: 'description must be a string of at most 500 characters' })
  @MaxLength(500, { message: 'description must be a string of at most 500 characters' })
  description?: string | null;
}

export class CreateWebhookEndpointDto extends WebhookEndpointScope {
  @IsString({ message: 'url must be an https URL' })
  @Length(1, 2048, { message: 'url must be an https URL of at most 2048 characters' })
  url: string;
}

export class UpdateWebhookEndpointDto extends WebhookEndpointScope {
  @IsOptional()
  @IsString({ message: 'url must be an https URL' })
  @Length(1, 2048, { message: 'url must be an https URL of at most 2048 characters' })
  url?: string;

  /** false stops deliveries (events still queue); true resumes the queue, also of a failing endpoint. */
  @IsOptional()
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;
}

export class ListDeliveriesQuery {
  @ApiPropertyOptional({ type: 'integer', default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number from 1 to 200' })
  @Min(1, { message: 'limit must be a whole number from 1 to 200' })
  @Max(200, { message: 'limit must be a whole number from 1 to 200' })
  limit?: number;

  /** The `nextBefore` of the previous page. */
  @IsOptional()
  @Matches(/^[0-9a-f-]{36}$/, { message: 'before must be the nextBefore of a previous page' })
  before?: string;

  @IsOptional()
  @Matches(/^[0-9a-f-]{36}$/, { message: 'eventId must be an event id' })
  eventId?: string;
}
