import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, jwkThumbprint } from '../../src/keys/generate.js';
import { openPrivateKey } from '../../src/keys/seal.js';

const SECRET = 'generate-test-secret-that-is-long-enough-0123';

describe('jwkThumbprint', () => {
  it("gives RFC 8037 A.3's thumbprint of its Ed25519 key", () => {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', d: 'ignored' };
    expect(jwkThumbprint(jwk)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('refuses a key type it has no members for', () => {
    expect(() => jwkThumbprint({ kty: 'oct', k: 'secret' })).toThrow(new TypeError('no thumbprint for key type oct'));
  });
});

describe('generateSigningKey', () => {
  it.each(['EdDSA', 'ES256', 'RS256'] as const)(
    '%s: kid is the thumbprint, the public JWK holds public members only, the private key is sealed',
    (algorithm) => {
      const key = generateSigningKey(algorithm, SECRET, 'next', 1000);
      const jwk = JSON.parse(key.publicJwk!) as Record<string, string>;
      expect(key.kid).toBe(jwkThumbprint(jwk));
      expect(Object.keys(jwk).sort()).toEqual(
        {
          EdDSA: ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
          ES256: ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
          RS256: ['alg', 'e', 'kid', 'kty', 'n', 'use'],
        }[algorithm],
      );
      expect(jwk).toMatchObject({ kid: key.kid, alg: algorithm, use: 'sig' });
      expect(key).toMatchObject({
        state: 'next',
        createdAt: 1000,
        activatedAt: null,
        retiredAt: null,
        revokedAt: null,
      });
      const pem = openPrivateKey(SECRET, key.kid, key.privateKey!);
      const derived = createPublicKey(pem).export({ format: 'jwk' });
      expect(jwkThumbprint(derived)).toBe(key.kid);
    },
  );

  it('HS256: no key material at all, and a random kid (nothing computed from the secret)', () => {
    const [a, b] = [
      generateSigningKey('HS256', SECRET, 'current', 5),
      generateSigningKey('HS256', SECRET, 'current', 5),
    ];
    expect(a).toEqual({
      kid: expect.stringMatching(/^[\w-]{43}$/) as unknown,
      algorithm: 'HS256',
      publicJwk: null,
      privateKey: null,
      state: 'current',
      createdAt: 5,
      activatedAt: 5,
      retiredAt: null,
      revokedAt: null,
    });
    expect(a.kid).not.toBe(b.kid);
  });
});
