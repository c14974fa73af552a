import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { DataSource, EntityManager } from 'typeorm';
import {
  bearerToken,
  causeAwaitingCheck,
  causeOf,
  CompanyId,
  EventCause,
  getCompanyScope,
  PendingCredentialCheck,
  requestIdOf,
  setCompanyScope,
  StatementText,
} from '@app/common';
import { ScimError } from '@app/scim-protocol';
import { KnownToken, TokenAuthentication, TokensService } from './tokens.service';

const DISCOVERY = Symbol('scimDiscovery');
const CHECKED_IN_READ = Symbol('scimTokenCheckedInRead');
const PENDING = Symbol('pendingTokenCheck');

/**
 * A token not checked yet, on a route whose handler checks it in its first read
 * (TokenCheckedInRead), of a company this instance has seen the token admitted for (a token's
 * company never changes). The handler builds its read for `companyId` and runs it with
 * `read`, which checks the token in the same statement and answers as the guard would have
 * (401 or 403) before any row is used; `settleAlone` checks it on its own, for a handler whose
 * first statement cannot carry it.
 */
export class PendingTokenCheck implements PendingCredentialCheck {
  /** What the check found, once it was made. */
  private outcome?: TokenAuthentication;
  /**
   * The cause of what this request changes: its transactions settle the check before they
   * commit (causeAwaitingCheck), and their first read carries it (readCheckingCause).
   */
  readonly cause: EventCause;

  constructor(
    private readonly token: KnownToken,
    private readonly secretHash: string,
    private readonly tokens: TokensService,
    private readonly request: Request,
    private readonly response: Response,
  ) {
    this.cause = causeAwaitingCheck(
      { kind: 'scim', tokenId: token.tokenId, requestId: requestIdOf(request) ?? null },
      this,
    );
  }

  /** The company the token is for (fixed; whether the token is still good is the check). */
  get companyId(): CompanyId {
    return this.token.companyId;
  }

  /** Whether the token is still to be checked (by `read` or `settleAlone`). */
  get pending(): boolean {
    return this.outcome === undefined;
  }

  /**
   * Runs the read (for `companyId`, on `runner`: a transaction's manager, or by default the
   * pool) with the token's check; throws the guard's 401 or 403. `text`: as rawQuery's
   * (`varying` for SQL whose text the request decides).
   */
  async read<T>(
    sql: string,
    parameters: unknown[],
    text: StatementText = 'constant',
    runner?: DataSource | EntityManager,
  ): Promise<T[]> {
    if (!this.pending) throw new Error('the token was checked already: read as usual');
    const { authentication, rows } = await this.tokens.readAsToken<T>(
      this.secretHash,
      this.companyId,
      sql,
      parameters,
      text,
      runner,
    );
    this.settle(authentication);
    return rows;
  }

  /**
   * Checks the token on its own, as the guard does elsewhere; once checked, answers what the
   * check found again (nothing, or its refusal) without asking the database twice.
   */
  async settleAlone(): Promise<void> {
    this.settle(this.outcome ?? (await this.tokens.authenticateHash(this.secretHash)));
  }

  private settle(authentication: TokenAuthentication): void {
    const first = this.outcome === undefined;
    this.outcome = authentication;
    if (first || !authentication.ok) admitted(this.request, this.response, authentication);
  }
}

/** Either the company the guard resolved, or the check the handler's read is to make. */
export type ScimCaller = CompanyId | PendingTokenCheck;

/**
 * Runs a TokenCheckedInRead handler's work for the caller's company, given the pending check
 * when there is one (for its first read to carry). Whatever the work did, nothing is answered
 * before the token was checked: if the work ended, or failed, with the check still pending,
 * the token is checked on its own first, so a bad token is answered 401 or 403 as the guard
 * would have, before a 400 of the request's own.
 */
export async function forCaller<T>(
  caller: ScimCaller,
  work: (companyId: CompanyId, check?: PendingTokenCheck) => Promise<T>,
): Promise<T> {
  if (!(caller instanceof PendingTokenCheck)) return work(caller);
  let result: T;
  try {
    result = await work(caller.companyId, caller);
  } catch (error) {
    await caller.settleAlone();
    throw error;
  }
  await caller.settleAlone();
  return result;
}

/**
 * Resolves the company from the bearer token alone (CONTRACT.md): 401 for a missing,
 * malformed, unknown, revoked or expired token; 403 when the company has SCIM off or no SSO.
 */
@Injectable()
export class ScimAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: TokensService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const token = bearerToken(request);
    const discovery = this.reflector.get<boolean>(DISCOVERY, context.getHandler()) ?? false;
    // Discovery documents are the same for every company, and a client reads
    // ServiceProviderConfig.authenticationSchemes to learn how to authenticate (RFC 7643 §5),
    // so they answer without credentials; credentials that are sent are still checked, so an
    // IdP's "test connection" against them fails loudly on a bad token.
    if (discovery && request.headers.authorization === undefined) return true;
    const response = context.switchToHttp().getResponse<Response>();
    if (
      this.tokens.readsAsToken &&
      this.reflector.get<boolean>(CHECKED_IN_READ, context.getHandler())
    ) {
      // PostgreSQL: the handler's read checks the token (one round trip, not two); a token
      // that cannot be one is still refused here, before any database work.
      const secretHash = this.tokens.secretHashOf(token);
      if (typeof secretHash !== 'string') throw refusal(response, secretHash);
      const known = this.tokens.knownToken(secretHash);
      if (known !== undefined) {
        (request as PendingRequest)[PENDING] = new PendingTokenCheck(
          known,
          secretHash,
          this.tokens,
          request,
          response,
        );
        return true;
      }
    }
    admitted(request, response, await this.tokens.authenticate(token));
    return true;
  }
}

type PendingRequest = Request & { [PENDING]?: PendingTokenCheck };

/** Scopes the request to the token's company when `authentication` admits it; throws when not. */
function admitted(request: Request, response: Response, authentication: TokenAuthentication): void {
  if (!authentication.ok) throw refusal(response, authentication);
  setCompanyScope(request, {
    companyId: authentication.companyId,
    actor: { kind: 'scimToken', tokenId: authentication.tokenId },
  });
}

/** The guard's error for a token that is not good. */
function refusal(
  response: Response,
  failure: Extract<TokenAuthentication, { ok: false }>,
): ScimError {
  // RFC 6750 §3: a 401 names the scheme the client should use.
  if (failure.status === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="SCIM"');
  return new ScimError(failure.status, failure.detail);
}

/**
 * A SCIM handler that checks the token in its first read: it takes `@CurrentScimCaller()`
 * (and `@CurrentScimCause()` for a change) and runs its work through `forCaller`, its first
 * read through PendingTokenCheck.read or readCheckingCause. The guard admits the request before
 * the token is checked; nothing is answered, and no transaction of the request commits, before
 * it was (forCaller, causeAwaitingCheck).
 */
export const TokenCheckedInRead = () => SetMetadata(CHECKED_IN_READ, true);

/** The caller of a TokenCheckedInRead handler (on SQLite, or checked already: the company). */
export const CurrentScimCaller = createParamDecorator(
  (_: unknown, context: ExecutionContext): ScimCaller => {
    const request = context.switchToHttp().getRequest<PendingRequest>();
    const pending = request[PENDING];
    if (pending) return pending;
    const scope = getCompanyScope(request);
    if (!scope) throw new Error('CurrentScimCaller used on a route without the SCIM guard');
    return scope.companyId;
  },
);

/**
 * The cause of a TokenCheckedInRead handler's changes: the pending check's (whose
 * transactions settle the check before they commit), or the admitted token's.
 */
export const CurrentScimCause = createParamDecorator(
  (_: unknown, context: ExecutionContext): EventCause => {
    const request = context.switchToHttp().getRequest<PendingRequest>();
    const pending = request[PENDING];
    if (pending) return pending.cause;
    const scope = getCompanyScope(request);
    if (!scope) throw new Error('CurrentScimCause used on a route without the SCIM guard');
    return causeOf(scope.actor, requestIdOf(request) ?? null);
  },
);

/** A SCIM route: the token decides the company. */
export const ScimRoute = () => applyDecorators(UseGuards(ScimAuthGuard));

/** A SCIM discovery route: open, but a token that is sent must be valid. */
export const ScimDiscoveryRoute = () =>
  applyDecorators(SetMetadata(DISCOVERY, true), UseGuards(ScimAuthGuard));
