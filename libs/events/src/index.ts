export * from './event-types';
export * from './events.module';
export * from './webhook-delivery.module';
export * from './event-signals';
export * from './event-feed.service';
export * from './event-retention.service';
export {
  recordEvent,
  recordMemberChange,
  recordMembershipChange,
  rehearse,
  writeAtCommit,
} from './outbox';
export type { MemberState, PendingEvent } from './outbox';
export {
  PlatformKeysService,
  platformCredentialKey,
  PLATFORM_AUDIT_SCOPE,
} from './platform/platform-keys.service';
export { signatureHeader } from './webhooks/webhook-sender';
export { WebhookDeliveryWorker } from './webhooks/webhook-delivery.worker';
