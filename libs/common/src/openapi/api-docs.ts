import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiResponse } from '@nestjs/swagger';
import { ErrorBody } from './error-body.view';

/** The security schemes of the OpenAPI document (apps/scim-server/src/openapi). */
export const ADMIN_JWT_SCHEME = 'adminJwt';
export const PLATFORM_KEY_SCHEME = 'platformKey';

/** Documents error answers of a route: each status with what it means there. */
export const ApiErrors = (errors: Record<number, string>) =>
  applyDecorators(
    ...Object.entries(errors).map(([status, description]) =>
      ApiResponse({ status: Number(status), description, type: ErrorBody }),
    ),
  );

/** What every admin route can answer besides its own answer. */
export const ADMIN_ERRORS = {
  400: 'Invalid input; the message names the field',
  401: 'Missing or invalid admin JWT',
  429: 'Over ADMIN_RATE_LIMIT; see Retry-After',
};

/** An admin route's documentation: the JWT, and the errors of any admin route. */
export const ApiAdmin = () =>
  applyDecorators(ApiBearerAuth(ADMIN_JWT_SCHEME), ApiErrors(ADMIN_ERRORS));

/** An admin route about one company: also `:companyId`, the role check, and unknown objects. */
export const ApiAdminCompany = () =>
  applyDecorators(
    ApiAdmin(),
    ApiParam({
      name: 'companyId',
      type: String,
      description: 'The company (a claim of the admin JWT)',
    }),
    ApiErrors({
      403: 'The role is too low for this company',
      404: 'Not a company of this admin, or no such object',
    }),
  );

/** A platform route: a platform key, never an admin JWT. */
export const ApiPlatform = () =>
  applyDecorators(
    ApiBearerAuth(PLATFORM_KEY_SCHEME),
    ApiErrors({
      400: ADMIN_ERRORS[400],
      401: 'Missing, unknown or revoked platform key',
      404: 'No such endpoint',
      429: ADMIN_ERRORS[429],
    }),
  );
