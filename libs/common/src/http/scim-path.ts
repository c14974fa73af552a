import type { Request } from 'express';

/** Everything under this path speaks SCIM (CONTRACT.md): SCIM media type, RFC 7644 errors. */
export const SCIM_BASE_PATH = '/api/scim/v2';

export function isScimRequest(request: Pick<Request, 'path'>): boolean {
  return request.path === SCIM_BASE_PATH || request.path.startsWith(`${SCIM_BASE_PATH}/`);
}
