import { ApiProperty } from '@nestjs/swagger';
import { EVENT_TYPES, EventType, TEST_EVENT_TYPE } from './event-types';
import type { EndpointStatus } from './webhooks/webhook.entities';
import type { AttemptOutcome } from './webhooks/webhook-sender';

/** An access event (CONTRACT.md "Events"). */
export class EventView {
  /** Also the webhook-id of every delivery of it. */
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ enum: [...EVENT_TYPES, TEST_EVENT_TYPE] })
  type: EventType | typeof TEST_EVENT_TYPE;
  companyId: string | null;
  @ApiProperty({ format: 'date-time' })
  occurredAt: string;
  /** Increases with commit order within the company, without gaps. */
  @ApiProperty({ type: 'integer' })
  sequence: number;
  /** CONTRACT.md "Events" lists it per type. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  data: Record<string, unknown>;
}

/** A page of a feed, oldest first. */
export class EventPageView {
  data: EventView[];
  /** Pass as `after` for the next page (also when this one is empty). */
  nextCursor: string;
}

/** A webhook endpoint, never its secret. */
export class WebhookEndpointView {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'uri' })
  url: string;
  description: string | null;
  /** The event types it receives; null: every type. */
  @ApiProperty({ enum: EVENT_TYPES, isArray: true })
  eventTypes: string[] | null;
  /** The company whose events it receives; null: every company's. */
  companyId: string | null;
  enabled: boolean;
  status: EndpointStatus;
  statusReason: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

/** A new endpoint with its signing secret, shown in this answer only. */
export class CreatedWebhookEndpointView extends WebhookEndpointView {
  /** In this answer only. */
  @ApiProperty({ pattern: '^whsec_' })
  secret: string;
}

/** The endpoint with its new secret (in this answer only); the previous one signs beside it. */
export class RotatedWebhookEndpointView extends CreatedWebhookEndpointView {
  @ApiProperty({ format: 'date-time' })
  previousSecretExpiresAt: string;
}

/** One attempt to deliver an event to an endpoint. */
export class DeliveryAttemptView {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ format: 'uuid' })
  eventId: string;
  eventType: string;
  @ApiProperty({ type: 'integer', minimum: 1 })
  attempt: number;
  outcome: AttemptOutcome;
  /** The receiver's HTTP status; null when there was no answer. */
  @ApiProperty({ type: 'integer' })
  status: number | null;
  @ApiProperty({ type: 'integer' })
  durationMs: number;
  error: string | null;
  /** The first 1 KB of the answer. */
  responseBody: string | null;
  @ApiProperty({ format: 'date-time' })
  startedAt: string;
}

/** A page of delivery attempts, newest first. */
export class DeliveryPageView {
  items: DeliveryAttemptView[];
  /** Pass as `before` for the next page; null on the last. */
  @ApiProperty({ format: 'uuid' })
  nextBefore: string | null;
}
