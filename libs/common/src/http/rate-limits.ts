import { ExecutionContext } from '@nestjs/common';
import { ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Request } from 'express';
import { createHash } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { isScimRequest } from './scim-path';

const requestOf = (context: ExecutionContext) => context.switchToHttp().getRequest<Request>();

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
        ttl: 60_000,
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
    getTracker: (request: Record<string, unknown>) => {
      const req = request as unknown as Request;
      const credential = req.headers.authorization;
      return credential
        ? `auth:${createHash('sha256').update(credential).digest('base64url')}`
        : `ip:${req.ip ?? 'unknown'}`;
    },
  };
}
