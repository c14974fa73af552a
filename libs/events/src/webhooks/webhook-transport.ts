import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '@app/common';
import { WebhookSender } from './webhook-sender';
import { WebhookTargetPolicy } from './webhook-target';

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64 (the spec asks 24 to 64). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** How long a rotated-out secret keeps signing beside the new one. */
export const PREVIOUS_SECRET_TTL_MS = 24 * 3_600_000;

/** The target policy and the sender, as configured (one of each per process). */
@Injectable()
export class WebhookTransport {
  readonly policy: WebhookTargetPolicy;
  readonly sender: WebhookSender;

  constructor(config: AppConfig) {
    this.policy = new WebhookTargetPolicy(config.webhooks);
    this.sender = new WebhookSender(this.policy, config.webhooks.timeoutMs);
  }
}

/** The secrets that sign now: the current one, and the previous one for 24 h after a rotation. */
export function signingSecrets(
  secret: string,
  previousSecret: string | null,
  previousSecretExpiresAt: number | null,
  now = Date.now(),
): string[] {
  return previousSecret && previousSecretExpiresAt !== null && previousSecretExpiresAt > now
    ? [secret, previousSecret]
    : [secret];
}
