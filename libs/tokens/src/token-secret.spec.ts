import { generateToken, hashToken, isWellFormedToken, TOKEN_PREFIX } from './token-secret';

describe('provisioning token secret', () => {
  it('has the recognisable prefix, 256 random bits and a valid checksum', () => {
    const { token, prefix, secretHash } = generateToken();
    expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(token).toHaveLength(TOKEN_PREFIX.length + 43 + 6);
    expect(isWellFormedToken(token)).toBe(true);
    expect(prefix).toBe(token.slice(0, 12));
    expect(secretHash).toBe(hashToken(token));
    expect(secretHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('never repeats', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generateToken().token));
    expect(seen.size).toBe(1000);
  });

  it('refuses a token with any one character changed (checksum)', () => {
    const { token } = generateToken();
    let refused = 0;
    for (let i = TOKEN_PREFIX.length; i < token.length; i++) {
      const swapped = token[i] === 'a' ? 'b' : 'a';
      const typo = token.slice(0, i) + swapped + token.slice(i + 1);
      if (!isWellFormedToken(typo)) refused++;
    }
    expect(refused).toBe(token.length - TOKEN_PREFIX.length);
  });

  it('refuses truncated, padded and foreign strings', () => {
    const { token } = generateToken();
    expect(isWellFormedToken(token.slice(0, -1))).toBe(false);
    expect(isWellFormedToken(`${token}x`)).toBe(false);
    expect(isWellFormedToken(` ${token}`)).toBe(false);
    expect(isWellFormedToken('ghp_' + token.slice(TOKEN_PREFIX.length))).toBe(false);
    expect(isWellFormedToken('')).toBe(false);
  });
});
