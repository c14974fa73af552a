import { Injectable } from '@nestjs/common';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { AppConfig } from '../config/app-config';
import { AdminClaims, parseAdminClaims } from './admin-claims';

export class InvalidAdminTokenError extends Error {}

/**
 * Verifies (and, for the CLI and tests, signs) the platform's admin JWTs: HS256 with
 * ADMIN_JWT_SECRET, or RS256 from ADMIN_JWKS_URL when that is configured. The algorithm is
 * pinned per key source so an RS256 public key can never be used as an HS256 secret.
 */
@Injectable()
export class AdminJwtService {
  private readonly secret: Uint8Array;
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly config: AppConfig) {
    this.secret = new TextEncoder().encode(config.adminJwtSecret);
    if (config.adminJwksUrl) {
      // jose caches the key set and refetches on an unknown `kid` (with a cooldown).
      this.jwks = createRemoteJWKSet(new URL(config.adminJwksUrl));
    }
  }

  async verify(token: string): Promise<AdminClaims> {
    let payload: JWTPayload;
    // `iss` and `aud` are checked when configured, so a token the platform minted for another
    // service is not accepted here.
    const checks = {
      requiredClaims: ['exp', 'sub'],
      ...(this.config.adminJwtIssuer ? { issuer: this.config.adminJwtIssuer } : {}),
      ...(this.config.adminJwtAudience ? { audience: this.config.adminJwtAudience } : {}),
    };
    try {
      const { alg } = decodeProtectedHeader(token);
      if (alg === 'RS256' && this.jwks) {
        ({ payload } = await jwtVerify(token, this.jwks, { algorithms: ['RS256'], ...checks }));
      } else {
        ({ payload } = await jwtVerify(token, this.secret, { algorithms: ['HS256'], ...checks }));
      }
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw new InvalidAdminTokenError('The admin token has expired');
      }
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        throw new InvalidAdminTokenError(`The admin token is not valid: ${error.message}`);
      }
      throw new InvalidAdminTokenError('The admin token is not valid');
    }
    // A stolen long-lived token is worth more than a short one: refuse lifetimes over the cap
    // (measured from `iat`, or from now when the token has none).
    const issuedAt = typeof payload.iat === 'number' ? payload.iat : Date.now() / 1000;
    if (payload.exp! - issuedAt > this.config.adminJwtMaxTtlSeconds) {
      throw new InvalidAdminTokenError(
        `The admin token lives longer than ADMIN_JWT_MAX_TTL (${this.config.adminJwtMaxTtlSeconds} s) allows`,
      );
    }
    const claims = parseAdminClaims(payload as Record<string, unknown>);
    if (typeof claims === 'string') {
      throw new InvalidAdminTokenError(`The admin token is not valid: ${claims}`);
    }
    return claims;
  }

  /** Signs an HS256 admin JWT; `ttlSeconds` from now. */
  async sign(claims: Omit<AdminClaims, 'exp'>, ttlSeconds: number): Promise<string> {
    return signAdminJwt(this.secret, claims, ttlSeconds, {
      issuer: this.config.adminJwtIssuer,
      audience: this.config.adminJwtAudience,
    });
  }
}

export function signAdminJwt(
  secret: Uint8Array,
  claims: Omit<AdminClaims, 'exp'>,
  ttlSeconds: number,
  audience: { issuer?: string; audience?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ email: claims.email, companies: claims.companies })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds);
  if (audience.issuer) jwt.setIssuer(audience.issuer);
  if (audience.audience) jwt.setAudience(audience.audience);
  return jwt.sign(secret);
}
