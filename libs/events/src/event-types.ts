import type { EventView } from './events.view';

/** The event types of CONTRACT.md "Events", in the order the contract lists them. */
export const EVENT_TYPES = [
  'member.access_granted',
  'member.access_revoked',
  'member.role_changed',
  'user.created',
  'user.updated',
  'user.deleted',
  'group.created',
  'group.updated',
  'group.deleted',
  'group.members_added',
  'group.members_removed',
  'scim.token_created',
  'scim.token_revoked',
  'scim.configuration_deleted',
  'reconciliation.finished',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** What `POST /webhook-endpoints/:id/test` sends; never stored in the feed. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** An event as the feeds answer it and webhooks deliver it. */
/** An event as the feeds answer it and webhooks deliver it. */
export type PlatformEvent = EventView;

/** An `events` row as both engines read it back raw (bigints as strings on PostgreSQL). */
export interface StoredEventRow {
  id: string;
  type: string;
  companyId: string;
  occurredAt: number | string;
  sequence: number | string;
  data: string;
}

/** The event a stored row holds, as the feeds answer it and webhooks deliver it. */
export function platformEventOf(row: StoredEventRow): PlatformEvent {
  return {
    id: row.id,
    type: row.type as PlatformEvent['type'],
    companyId: row.companyId,
    occurredAt: new Date(Number(row.occurredAt)).toISOString(),
    sequence: Number(row.sequence),
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

/** Ids per `group.members_added` / `group.members_removed` event (CONTRACT.md). */
export const MAX_IDS_PER_MEMBERSHIP_EVENT = 1000;
