import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import { ScimError } from '@app/scim-protocol';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { isScimRequest } from './scim-path';

const requestOf = (context: ExecutionContext) => context.switchToHttp().getRequest<Request>();

/** The window every limit counts over: SCIM_RATE_LIMIT and ADMIN_RATE_LIMIT are per minute. */
const WINDOW_MS = 60_000;

function isAdminRequest(request: Request): boolean {
  return request.path.startsWith('/api/companies');
}

/**
 * Rate limits per credential (@nestjs/throttler, counted in this process): each SCIM token and
 * each admin token has its own budget per minute, so one company at its limit never slows
 * another. The key is a hash of the Authorization header, so no secret is kept in memory;
 * requests without one share the client address's budget. Over the limit: 429 with
 * Retry-After (a SCIM error body on SCIM routes). With several instances each counts on its
 * own (see README): the effective limit is the per-instance limit times the instances that
 * receive a client's traffic.
 */
export function rateLimitOptions(config: AppConfig): ThrottlerModuleOptions {
  return {
    throttlers: [
      {
        name: 'default',
        ttl: WINDOW_MS,
        limit: (context: ExecutionContext) =>
          isScimRequest(requestOf(context))
            ? config.scimRateLimitPerMinute
            : config.adminRateLimitPerMinute,
        skipIf: (context: ExecutionContext) => {
          const request = requestOf(context);
          if (isScimRequest(request)) return config.scimRateLimitPerMinute === 0;
          if (isAdminRequest(request)) return config.adminRateLimitPerMinute === 0;
          return true;
        },
      },
    ],
    getTracker: (request: Record<string, unknown>) => trackerOf(request as unknown as Request),
    // One budget per credential across every route (the library's default key is per
    // handler, which would give a token its limit on each route separately).
    generateKey: (_context: ExecutionContext, tracker: string, name: string) =>
      budgetKey(tracker, name),
  };
}

/** Who a request is counted against: its credential (hashed), else its address. */
function trackerOf(request: Request): string {
  const credential = request.headers.authorization;
  return credential
    ? `auth:${createHash('sha256').update(credential).digest('base64url')}`
    : `ip:${request.ip ?? 'unknown'}`;
}

function budgetKey(tracker: string, name = 'default'): string {
  return `${name}:${tracker}`;
}

/**
 * Charges a SCIM request for the work it carries beyond one request: a Bulk request counts
 * as one request per operation, so it is no way around SCIM_RATE_LIMIT. Over the budget:
 * 429 with Retry-After, before anything runs.
 */
@Injectable()
export class RateLimitBudget {
  constructor(
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    private readonly config: AppConfig,
  ) {}

  async charge(request: Request, response: Response, hits: number): Promise<void> {
    const limit = this.config.scimRateLimitPerMinute;
    if (limit === 0 || hits <= 0) return;
    const key = budgetKey(trackerOf(request));
    let record: { isBlocked: boolean; timeToBlockExpire: number } | undefined;
    for (let i = 0; i < hits; i++) {
      record = await this.storage.increment(key, WINDOW_MS, limit, WINDOW_MS, 'default');
    }
    if (record?.isBlocked) {
      response.setHeader('Retry-After', String(record.timeToBlockExpire));
      throw new ScimError(
        429,
        `This request counts as ${hits + 1} requests, more than is left of SCIM_RATE_LIMIT (${limit} per minute) for this token: wait for the Retry-After seconds, then retry`,
      );
    }
  }
}
