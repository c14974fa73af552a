import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { bearerToken, setCompanyScope } from '@app/common';
import { ScimError } from '@app/scim-protocol';
import { TokensService } from './tokens.service';

const DISCOVERY = Symbol('scimDiscovery');

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
    const result = await this.tokens.authenticate(token);
    if (!result.ok) {
      if (result.status === 401) {
        // RFC 6750 §3: a 401 names the scheme the client should use.
        context.switchToHttp().getResponse().setHeader('WWW-Authenticate', 'Bearer realm="SCIM"');
      }
      throw new ScimError(result.status, result.detail);
    }
    setCompanyScope(request, {
      companyId: result.companyId,
      actor: { kind: 'scimToken', tokenId: result.tokenId },
    });
    return true;
  }
}

/** A SCIM route: the token decides the company. */
export const ScimRoute = () => applyDecorators(UseGuards(ScimAuthGuard));

/** A SCIM discovery route: open, but a token that is sent must be valid. */
export const ScimDiscoveryRoute = () =>
  applyDecorators(SetMetadata(DISCOVERY, true), UseGuards(ScimAuthGuard));
