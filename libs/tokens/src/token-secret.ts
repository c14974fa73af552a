import { hashSecretToken, SecretTokenFormat } from '@app/common';

/**
 * Provisioning tokens: `scimp_` and the shared secret-token format (see SecretTokenFormat:
 * 256 random bits in base62 and a CRC-32 checksum, so secret scanners recognise a leaked
 * token and a mistyped one is refused without a lookup). Only the SHA-256 is stored.
 */
export const TOKEN_PREFIX = 'scimp_';
const SCIM_TOKENS = new SecretTokenFormat(TOKEN_PREFIX);
/** How much of the token is kept in clear, so that admins can tell their tokens apart. */
export const DISPLAY_PREFIX_LENGTH = SCIM_TOKENS.displayPrefixLength;

export type { GeneratedSecretToken as GeneratedToken } from '@app/common';

export function generateToken() {
  return SCIM_TOKENS.generate();
}

/** True when the string has the token's shape and its checksum matches. */
export function isWellFormedToken(candidate: string): boolean {
  return SCIM_TOKENS.isWellFormed(candidate);
}

export { hashSecretToken as hashToken, secretHashesEqual as hashesEqual } from '@app/common';

/**
 * The credential a request's SCIM token resolves to, for rate limits: the token's hash (one
 * to one with its id, and what the database stores), never the header's text, so spacing,
 * the scheme's letter case or trailing characters cannot open a fresh budget. Undefined for
 * anything that is not a well-formed token (those are counted by address).
 */
export function scimCredentialKey(token: string | undefined): string | undefined {
  return token !== undefined && isWellFormedToken(token)
    ? `scim:${hashSecretToken(token)}`
    : undefined;
}
