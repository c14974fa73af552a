import type { Request } from 'express';

/** The credentials of `Authorization: Bearer <token>` (RFC 6750 §2.1), or undefined. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match?.[1];
}
