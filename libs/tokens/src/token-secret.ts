import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Provisioning token format, in the manner of GitHub's tokens:
 *
 *   scimp_<43 base62 characters: 256 random bits><6 base62 characters: CRC-32>
 *
 * The fixed prefix lets secret scanners recognise a leaked token; the checksum lets us refuse
 * a mistyped or truncated token without a database lookup; base62 keeps it one "word" that a
 * double-click selects whole. Only the SHA-256 of the whole token is stored.
 */
export const TOKEN_PREFIX = 'scimp_';
const RANDOM_CHARS = 43; // ceil(256 / log2(62))
const CHECKSUM_CHARS = 6; // ceil(32 / log2(62))
/** How much of the token is kept in clear, so that admins can tell their tokens apart. */
export const DISPLAY_PREFIX_LENGTH = TOKEN_PREFIX.length + 6;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TOKEN_PATTERN = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${RANDOM_CHARS + CHECKSUM_CHARS}}$`);

function base62(value: bigint, width: number): string {
  let out = '';
  let rest = value;
  while (rest > 0n) {
    out = ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out.padStart(width, '0');
}

function checksum(body: string): string {
  return base62(BigInt(crc32(body)), CHECKSUM_CHARS);
}

export interface GeneratedToken {
  /** The plaintext, shown to the admin once. */
  token: string;
  /** What is stored and shown afterwards. */
  prefix: string;
  secretHash: string;
}

export function generateToken(): GeneratedToken {
  // 32 bytes from the OS CSPRNG; 62^43 > 2^256, so base62 loses nothing.
  const random = base62(BigInt(`0x${randomBytes(32).toString('hex')}`), RANDOM_CHARS);
  const body = `${TOKEN_PREFIX}${random}`;
  const token = `${body}${checksum(body)}`;
  return { token, prefix: token.slice(0, DISPLAY_PREFIX_LENGTH), secretHash: hashToken(token) };
}

/** True when the string has the token's shape and its checksum matches. */
export function isWellFormedToken(candidate: string): boolean {
  if (!TOKEN_PATTERN.test(candidate)) return false;
  const body = candidate.slice(0, -CHECKSUM_CHARS);
  return checksum(body) === candidate.slice(-CHECKSUM_CHARS);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two hex digests in constant time. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The credential a request's SCIM token resolves to, for rate limits: the token's hash (one
 * to one with its id, and what the database stores), never the header's text, so spacing,
 * the scheme's letter case or trailing characters cannot open a fresh budget. Undefined for
 * anything that is not a well-formed token (those are counted by address).
 */
export function scimCredentialKey(token: string | undefined): string | undefined {
  return token !== undefined && isWellFormedToken(token) ? `scim:${hashToken(token)}` : undefined;
}
