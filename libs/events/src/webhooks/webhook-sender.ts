import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import { PlatformEvent } from '../event-types';
import { WebhookTargetPolicy, WebhookTargetRefused } from './webhook-target';

/** How one delivery attempt ended. */
export type AttemptOutcome = 'delivered' | 'failed' | 'gone' | 'refused';

export interface AttemptResult {
  outcome: AttemptOutcome;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** The first 1 KB of the answer. */
  responseBody: string | null;
  /** From Retry-After on a 429 or 503, in milliseconds. */
  retryAfterMs: number | null;
}

const RESPONSE_KEPT = 1024;

/**
 * The Standard Webhooks signature header: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
 * one per secret, space-separated (during a rotation both the new and the old secret sign, so a
 * receiver that still has the old one keeps verifying).
 */
export function signatureHeader(
  secrets: string[],
  id: string,
  timestamp: Date,
  body: string,
): string {
  return secrets.map((secret) => new Webhook(secret).sign(id, timestamp, body)).join(' ');
}

/** Retry-After (RFC 9110 §10.2.3): seconds or an HTTP date; at most a day is honoured. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : undefined;
  const ms = seconds ?? Date.parse(value) - now;
  if (!Number.isFinite(ms) || ms < 0) return null;
  return Math.min(ms, 86_400_000);
}

/**
 * One POST of one event to one URL: signed, with a deadline for the whole exchange, no
 * redirects followed (a 3xx is a failure: following it would let a public URL bounce the
 * request inside), every connected address checked by the target policy.
 */
export class WebhookSender {
  constructor(
    private readonly policy: WebhookTargetPolicy,
    private readonly timeoutMs: number,
  ) {}

  async send(url: string, secrets: string[], event: PlatformEvent): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let target: URL;
    try {
      target = this.policy.parse(url);
    } catch (error) {
      return refused((error as Error).message, elapsed());
    }
    const body = JSON.stringify(event);
    const timestamp = new Date();
    const headers = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'user-agent': 'scim-provisioning-service-webhooks/1',
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signatureHeader(secrets, event.id, timestamp, body),
    };
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      const finish = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(target, {
        method: 'POST',
        headers,
        lookup: this.policy.lookup as never,
        agent: false,
      });
      const timer = setTimeout(() => {
        request.destroy();
        finish(failed(null, `no answer within ${this.timeoutMs} ms`, elapsed()));
      }, this.timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof WebhookTargetRefused || error.code === 'EWEBHOOKTARGET') {
          finish(refused(error.message, elapsed()));
        } else {
          finish(failed(null, `${error.code ?? 'error'}: ${error.message}`, elapsed()));
        }
      });
      request.on('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        const done = () => {
          const status = response.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_KEPT) || null;
          const result: AttemptResult = {
            outcome:
              status >= 200 && status < 300 ? 'delivered' : status === 410 ? 'gone' : 'failed',
            statusCode: status,
            durationMs: elapsed(),
            error: status >= 200 && status < 300 ? null : `HTTP ${status}`,
            responseBody: text,
            retryAfterMs:
              status === 429 || status === 503
                ? retryAfterMs(response.headers['retry-after'] as string | undefined)
                : null,
          };
          finish(result);
          response.destroy();
        };
        response.on('data', (chunk: Buffer) => {
          if (kept < RESPONSE_KEPT) chunks.push(chunk);
          kept += chunk.length;
          // Enough to show; the rest of a large answer is not read.
          if (kept >= RESPONSE_KEPT) done();
        });
        response.on('end', done);
        response.on('error', done);
      });
      request.end(body);
    });
  }
}

function failed(statusCode: number | null, error: string, durationMs: number): AttemptResult {
  return {
    outcome: 'failed',
    statusCode,
    durationMs,
    error: error.slice(0, 512),
    responseBody: null,
    retryAfterMs: null,
  };
}

function refused(error: string, durationMs: number): AttemptResult {
  return { ...failed(null, error, durationMs), outcome: 'refused' };
}
