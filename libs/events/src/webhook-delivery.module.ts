import { Module } from '@nestjs/common';
import { WebhookDeliveryWorker } from './webhooks/webhook-delivery.worker';

/**
 * The webhook sender, a module of its own: an instance with WEBHOOK_DELIVERY=false serves the
 * API and leaves sending to the others (a deployment may run senders apart).
 */
@Module({ providers: [WebhookDeliveryWorker], exports: [WebhookDeliveryWorker] })
export class WebhookDeliveryModule {}
