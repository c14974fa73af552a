import { Global, Injectable, Module } from '@nestjs/common';
import { ScimError } from '@app/scim-protocol';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { isScimRequest } from './scim-path';
import { refuseBeforeRouting } from './body-parsing';
import { onResponseDone } from './response-done';

/**
 * How long a refusal is held before it is answered. A client that ignores Retry-After and
 * sends again at once (a flood on 48 connections sent 3,700 requests a second, all refused)
 * can then send at most one request per connection per half second; the timer costs nothing
 * while it waits, and a polite client, which waits the Retry-After seconds anyway, loses
 * nothing.
 */
export const REFUSAL_DELAY_MS = 500;

/** How long a request waits for one of its credential's in-flight places before a 429. */
const IN_FLIGHT_WAIT_MS = 2_000;
/** Past this many buckets, full (idle) ones are forgotten: memory stays bounded. */
const MAX_BUCKETS = 50_000;

interface Bucket {
  tokens: number;
  at: number;
  capacity: number;
  perMs: number;
}

/**
 * Rate limits and in-flight caps per credential, in this process.
 *
 * A token bucket per credential: it refills at the per-minute limit spread evenly, and holds a
 * burst of a tenth of a minute's budget (at least 10, or the whole limit when that is lower),
 * so a client cannot spend a minute's budget in its first seconds, and `Retry-After` is the
 * real wait for the next request. A credential is what the Authorization header resolves to
 * (the SCIM token, the admin's `sub`), never the header's text, so `Bearer  x` and `bearer x`
 * share one budget; requests without a usable credential share their address's budget.
 *
 * Each credential also has at most MAX_IN_FLIGHT_PER_CREDENTIAL requests in flight: more wait
 * up to two seconds for a place, then get 429, so one tenant's burst of expensive requests
 * cannot take every database connection and the event loop from the others.
 *
 * Both run as the first middleware after the shutdown drain, ahead of security headers, the
 * request log, body parsing and the framework's pipeline: a refused request costs almost
 * nothing, and refusals are counted (http_requests_refused_total), not logged one by one, so
 * a flood cannot flood the logs either.
 */
@Injectable()
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly inFlight = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly config: AppConfig) {}

  /** The burst a limit allows. */
  static burst(perMinute: number): number {
    return Math.max(Math.ceil(perMinute / 6), Math.min(perMinute, 10));
  }

  /**
   * Takes `cost` from the credential's bucket. A cost larger than the burst (a big Bulk
   * request under a small limit) passes when the bucket is full and leaves it in debt.
   * Returns 0 when allowed, else the seconds to wait.
   */
  take(key: string, perMinute: number, cost = 1): number {
    if (perMinute === 0) return 0;
    const now = Date.now();
    const capacity = RateLimiter.burst(perMinute);
    const perMs = perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now, capacity, perMs };
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    const needed = Math.min(cost, capacity);
    if (bucket.tokens < needed) {
      this.remember(key, bucket);
      return Math.max(1, Math.ceil((needed - bucket.tokens) / perMs / 1000));
    }
    bucket.tokens -= cost;
    this.remember(key, bucket);
    return 0;
  }

  /**
   * Takes an in-flight place, waiting briefly for one; false when none came free. A free place
   * is taken synchronously (true, not a promise): the common case costs no microtask.
   */
  enter(key: string): boolean | Promise<boolean> {
    const max = this.config.maxInFlightPerCredential;
    const current = this.inFlight.get(key) ?? 0;
    if (current < max) {
      this.inFlight.set(key, current + 1);
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const queue = this.waiting.get(key) ?? [];
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const index = queue.indexOf(wake);
        if (index >= 0) queue.splice(index, 1);
        resolve(false);
      }, IN_FLIGHT_WAIT_MS);
      queue.push(wake);
      this.waiting.set(key, queue);
    });
  }

  /** Gives the place to the next request waiting, or frees it. */
  leave(key: string): void {
    const next = this.waiting.get(key)?.shift();
    if (next) {
      next();
      return;
    }
    if (this.waiting.get(key)?.length === 0) this.waiting.delete(key);
    const current = (this.inFlight.get(key) ?? 1) - 1;
    if (current <= 0) this.inFlight.delete(key);
    else this.inFlight.set(key, current);
  }

  private remember(key: string, bucket: Bucket): void {
    this.buckets.set(key, bucket);
    if (this.buckets.size <= MAX_BUCKETS) return;
    const now = Date.now();
    for (const [other, { tokens, at, capacity, perMs }] of this.buckets) {
      // A bucket that has refilled by now is the same as no bucket.
      if (tokens + (now - at) * perMs >= capacity) this.buckets.delete(other);
    }
  }
}

/** Resolves a request's credential to a stable key, or undefined when it has none usable. */
export type CredentialResolver = (
  request: Request,
) => string | undefined | Promise<string | undefined>;

const KEY = Symbol('rateLimitKey');
type Keyed = Request & { [KEY]?: string };

/**
 * The middleware: SCIM requests are limited by SCIM_RATE_LIMIT, admin and platform API
 * requests by ADMIN_RATE_LIMIT; health, metrics and the console's files are not limited.
 */
export function rateLimitMiddleware(
  limiter: RateLimiter,
  config: AppConfig,
  credentials: { scim: CredentialResolver; admin: CredentialResolver },
  metrics: MetricsService,
) {
  /** Admits the request under its credential's key, or refuses it. */
  const admit = (
    request: Request,
    response: Response,
    next: NextFunction,
    scim: boolean,
    credential: string | undefined,
  ): void | Promise<void> => {
    const key = credential ?? `ip:${request.ip ?? 'unknown'}`;
    (request as Keyed)[KEY] = key;
    const limit = scim ? config.scimRateLimitPerMinute : config.adminRateLimitPerMinute;
    const wait = limiter.take(key, limit);
    if (wait > 0) {
      metrics.recordRefused(scim ? 'scim' : 'admin', 'rate_limit');
      response.setHeader('Retry-After', String(wait));
      setTimeout(
        () =>
          refuseBeforeRouting(
            request,
            response,
            429,
            `Too many requests for this credential (${scim ? 'SCIM_RATE_LIMIT' : 'ADMIN_RATE_LIMIT'} is ${limit} per minute): wait for the Retry-After seconds, then retry`,
            undefined,
            'Too Many Requests',
          ),
        REFUSAL_DELAY_MS,
      );
      return;
    }
    const entered = (place: boolean): void => {
      if (!place) {
        metrics.recordRefused(scim ? 'scim' : 'admin', 'in_flight');
        response.setHeader('Retry-After', '1');
        refuseBeforeRouting(
          request,
          response,
          429,
          `Too many requests in flight for this credential (at most ${config.maxInFlightPerCredential}): wait for the answers, then retry`,
          undefined,
          'Too Many Requests',
        );
        return;
      }
      onResponseDone(response, () => limiter.leave(key));
      next();
    };
    const place = limiter.enter(key);
    return typeof place === 'boolean' ? entered(place) : place.then(entered);
  };

  // Synchronous where it can be: a SCIM token's key is a hash, and a request with a free place
  // goes on without a promise or a microtask between it and the handlers; only the admin
  // JWT's verification and a wait for a place are asynchronous.
  return (request: Request, response: Response, next: NextFunction): void | Promise<void> => {
    const scim = isScimRequest(request);
    if (!scim && !isAdminApiRequest(request)) return next();
    let credential: string | undefined | Promise<string | undefined>;
    try {
      credential = (scim ? credentials.scim : credentials.admin)(request);
    } catch {
      credential = undefined;
    }
    if (credential instanceof Promise) {
      return credential.then(
        (resolved) => admit(request, response, next, scim, resolved),
        () => admit(request, response, next, scim, undefined),
      );
    }
    return admit(request, response, next, scim, credential);
  };
}

function isAdminApiRequest(request: Request): boolean {
  const path = request.path;
  return path.startsWith('/api/companies') || path.startsWith('/api/platform');
}

/**
 * Charges a SCIM request for the work it carries beyond one request: a Bulk request counts
 * as one request per operation, so it is no way around SCIM_RATE_LIMIT. Over the budget:
 * 429 with Retry-After, before anything runs.
 */
@Injectable()
export class RateLimitBudget {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
  ) {}

  charge(request: Request, response: Response, hits: number): void {
    const limit = this.config.scimRateLimitPerMinute;
    const key = (request as Keyed)[KEY];
    if (limit === 0 || hits <= 0 || key === undefined) return;
    const wait = this.limiter.take(key, limit, hits);
    if (wait > 0) {
      response.setHeader('Retry-After', String(wait));
      throw new ScimError(
        429,
        `This request counts as ${hits + 1} requests, more than is left of SCIM_RATE_LIMIT (${limit} per minute) for this token: wait for the Retry-After seconds, then retry`,
      );
    }
  }
}

/** The limiter and the Bulk budget, one of each per process, for every context. */
@Global()
@Module({ providers: [RateLimiter, RateLimitBudget], exports: [RateLimiter, RateLimitBudget] })
export class RateLimitModule {}
