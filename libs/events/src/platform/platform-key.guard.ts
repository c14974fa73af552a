import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';
import { ApiPlatform, bearerToken } from '@app/common';
import { PlatformKeysService } from './platform-keys.service';

const KEY_ID = Symbol('platformKeyId');

/** The platform key a request authenticated with (its id, for the audit log). */
export function platformKeyOf(request: Request): string {
  return (request as Request & { [KEY_ID]?: string })[KEY_ID] ?? 'unknown';
}

/**
 * /api/platform/*: a platform key and nothing else. An admin JWT, a SCIM token or a revoked
 * key is a 401 (CONTRACT.md): these routes see every company.
 */
@Injectable()
export class PlatformKeyGuard implements CanActivate {
  constructor(private readonly keys: PlatformKeysService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const id = await this.keys.authenticate(bearerToken(request));
    if (!id) {
      context.switchToHttp().getResponse().setHeader('WWW-Authenticate', 'Bearer realm="platform"');
      throw new UnauthorizedException(
        'Authorization: Bearer <platform key> is required (npm run cli -- platform-key create)',
      );
    }
    (request as Request & { [KEY_ID]?: string })[KEY_ID] = id;
    return true;
  }
}

/** A platform API route. */
export const PlatformRoute = () => applyDecorators(UseGuards(PlatformKeyGuard), ApiPlatform());
