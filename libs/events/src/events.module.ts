import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventFeedService } from './event-feed.service';
import { EventRetentionService } from './event-retention.service';
import { EventSignals } from './event-signals';
import { CompanyEventsController } from './events.controller';
import { OutboxSubscriber } from './outbox.subscriber';
import { PlatformKeyEntity } from './platform/platform-key.entity';
import { PlatformKeyGuard } from './platform/platform-key.guard';
import { PlatformKeysService } from './platform/platform-keys.service';
import { PlatformController } from './platform/platform.controller';
import { WebhookAttemptEntity, WebhookEndpointEntity } from './webhooks/webhook.entities';
import { WebhookEndpointsService } from './webhooks/webhook-endpoints.service';
import { WebhookTransport } from './webhooks/webhook-transport';

/**
 * The outbox (recordEvent and friends, called by the contexts inside their own transactions),
 * the commit signals, the feeds, platform keys and the webhook endpoints. Global: every
 * context that changes access records events.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([PlatformKeyEntity, WebhookEndpointEntity, WebhookAttemptEntity]),
  ],
  controllers: [CompanyEventsController, PlatformController],
  providers: [
    EventSignals,
    OutboxSubscriber,
    EventFeedService,
    EventRetentionService,
    PlatformKeysService,
    PlatformKeyGuard,
    WebhookTransport,
    WebhookEndpointsService,
  ],
  exports: [EventSignals, EventFeedService, PlatformKeysService, WebhookTransport],
})
export class EventsModule {}
