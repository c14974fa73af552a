import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  NotFoundException,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';
import { ApiAdmin, ApiAdminCompany } from '../openapi/api-docs';
import { asCompanyId, COMPANY_ID_PATTERN } from '../tenancy/company-id';
import { setCompanyScope } from '../tenancy/company-scope';
import { AdminClaims, MANAGING_ROLES } from './admin-claims';
import { AdminJwtService, InvalidAdminTokenError } from './admin-jwt.service';
import { bearerToken } from './bearer';
import { CompanyRegistry } from './company-registry';

const ADMIN = Symbol('adminClaims');
type AdminRequest = Request & { [ADMIN]?: AdminClaims };

/** Verifies the admin JWT; 401 when it is missing, malformed, expired or badly signed. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(private readonly jwt: AdminJwtService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    if (request[ADMIN]) return true; // verified once already, by the rate limiter
    const token = bearerToken(request);
    if (!token) {
      throw new UnauthorizedException('An admin bearer token is required');
    }
    try {
      request[ADMIN] = await this.jwt.verify(token);
    } catch (error) {
      if (error instanceof InvalidAdminTokenError) throw new UnauthorizedException(error.message);
      throw error;
    }
    return true;
  }
}

/**
 * The admin behind a request, for the rate limiter (which runs before routing): the JWT is
 * verified once, and the guard reuses the claims. Undefined when there is no valid admin JWT;
 * the guard then answers 401 with the reason.
 */
export async function verifiedAdminSubject(
  request: Request,
  jwt: AdminJwtService,
): Promise<string | undefined> {
  const token = bearerToken(request);
  if (!token) return undefined;
  try {
    const claims = await jwt.verify(token);
    (request as AdminRequest)[ADMIN] = claims;
    return claims.sub;
  } catch {
    return undefined;
  }
}

export function adminClaimsOf(request: Request): AdminClaims {
  const claims = (request as AdminRequest)[ADMIN];
  if (!claims) throw new Error('adminClaimsOf used on a route without AdminAuthGuard');
  return claims;
}

/**
 * Resolves `:companyId` against the JWT's companies: absent (or malformed) is 404, so one
 * company's admins cannot even learn that another's id exists; a `member` is 403. The
 * company is registered on first use, as the platform that issued the JWT owns companies.
 */
@Injectable()
export class CompanyAdminGuard implements CanActivate {
  constructor(private readonly registry: CompanyRegistry) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const claims = adminClaimsOf(request);
    const raw = request.params.companyId;
    const membership =
      typeof raw === 'string' && COMPANY_ID_PATTERN.test(raw)
        ? claims.companies.find((company) => company.id === raw)
        : undefined;
    if (!membership) {
      throw new NotFoundException('Company not found');
    }
    if (!MANAGING_ROLES.includes(membership.role)) {
      throw new ForbiddenException(
        `Your role in this company is "${membership.role}"; managing SSO and SCIM needs owner or admin`,
      );
    }
    const companyId = asCompanyId(membership.id);
    await this.registry.ensureCompany(companyId, membership.name);
    setCompanyScope(request, {
      companyId,
      actor: { kind: 'admin', sub: claims.sub, email: claims.email, role: membership.role },
    });
    return true;
  }
}

/** An admin API route about one company: JWT verified, company resolved from `:companyId`. */
export const AdminCompanyRoute = () =>
  applyDecorators(UseGuards(AdminAuthGuard, CompanyAdminGuard), ApiAdminCompany());

/** An admin API route that needs a verified admin but no particular company. */
export const AdminRoute = () => applyDecorators(UseGuards(AdminAuthGuard), ApiAdmin());
