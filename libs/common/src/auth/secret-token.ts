import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

const RANDOM_CHARS = 43; // ceil(256 / log2(62))
const CHECKSUM_CHARS = 6; // ceil(32 / log2(62))
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export interface GeneratedSecretToken {
  /** The plaintext, shown once. */
  token: string;
  /** What is stored and shown afterwards, so that people can tell their credentials apart. */
  prefix: string;
  secretHash: string;
}

function base62(value: bigint, width: number): string {
  let out = '';
  let rest = value;
  while (rest > 0n) {
    out = ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out.padStart(width, '0');
}

/**
 * The CRC-32 in base62. A CRC-32 is below 2^32, so plain numbers do what base62's BigInt
 * arithmetic does, several times faster: every SCIM request checks its token's checksum twice
 * (the rate limiter's credential, then authentication).
 */
function checksum(body: string): string {
  let out = '';
  for (let rest = crc32(body); rest > 0; rest = Math.floor(rest / 62))
    out = ALPHABET[rest % 62] + out;
  return out.padStart(CHECKSUM_CHARS, '0');
}

/**
 * Bearer credentials in the manner of GitHub's tokens (SCIM tokens, platform keys):
 *
 *   <prefix><43 base62 characters: 256 random bits><6 base62 characters: CRC-32>
 *
 * The fixed prefix lets secret scanners recognise a leaked credential and says which kind it
 * is; the checksum lets us refuse a mistyped or truncated one without a database lookup;
 * base62 keeps it one "word" that a double-click selects whole. Only the SHA-256 is stored.
 */
export class SecretTokenFormat {
  private readonly pattern: RegExp;
  readonly displayPrefixLength: number;

  constructor(readonly prefix: string) {
    this.pattern = new RegExp(`^${prefix}[0-9A-Za-z]{${RANDOM_CHARS + CHECKSUM_CHARS}}$`);
    this.displayPrefixLength = prefix.length + 6;
  }

  generate(): GeneratedSecretToken {
    // 32 bytes from the OS CSPRNG; 62^43 > 2^256, so base62 loses nothing.
    const random = base62(BigInt(`0x${randomBytes(32).toString('hex')}`), RANDOM_CHARS);
    const body = `${this.prefix}${random}`;
    const token = `${body}${checksum(body)}`;
    return {
      token,
      prefix: token.slice(0, this.displayPrefixLength),
      secretHash: hashSecretToken(token),
    };
  }

  /** True when the string has this format's shape and its checksum matches. */
  isWellFormed(candidate: string): boolean {
    if (!this.pattern.test(candidate)) return false;
    const body = candidate.slice(0, -CHECKSUM_CHARS);
    return checksum(body) === candidate.slice(-CHECKSUM_CHARS);
  }
}

export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two hex digests in constant time. */
export function secretHashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
