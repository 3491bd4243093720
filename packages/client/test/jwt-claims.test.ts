import { describe, expect, it } from 'vitest';
import { decodeBase64Url, decodeJwtClaims } from '../src/jwt-claims.js';

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('decodeJwtClaims', () => {
  it('decodes the payload, UTF-8 included, without verifying', () => {
    const claims = { exp: 1, iat: 0, username: 'zoë ✓', user_id: '7' };
    expect(decodeJwtClaims(`${part({ alg: 'HS256' })}.${part(claims)}.x`)).toEqual(claims);
  });

  it.each([
    ['two parts', `${part({})}.${part({ exp: 1 })}`],
    ['not base64url', 'a.b*c.d'],
    ['not JSON', `a.${Buffer.from('nope').toString('base64url')}.c`],
    ['an array', `a.${part([1])}.c`],
    ['no numeric exp', `a.${part({ exp: '1' })}.c`],
  ])('returns null for %s', (_name, token) => {
    expect(decodeJwtClaims(token)).toBeNull();
  });

  it('decodes base64url like Buffer does, for every length', () => {
    for (let length = 0; length < 40; length++) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 37 + 11) % 256));
      expect(Buffer.from(decodeBase64Url(bytes.toString('base64url'))!)).toEqual(bytes);
    }
  });
});
