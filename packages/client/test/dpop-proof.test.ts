import { createHash, type webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DpopProofError, normalizeHtu, verifyDpopProof } from '../../verify/src/dpop-proof.js';
import { createDpopProof, htuOf } from '../src/dpop-proof.js';
import { dpopKeyFromCryptoKeyPair, generateDpopKeyPair, type DpopKey } from '../src/index.js';

const URL_ = 'https://Auth.Example.com:443/api/token/refresh/?next=%2F#top';
const NOW_MS = Date.UTC(2026, 11, 6, 12, 0, 0, 250);

const partsOf = (proof: string) => {
  const [header, payload] = proof
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as unknown);
  return { header: header as Record<string, unknown>, payload: payload as Record<string, unknown> };
};

async function newKey(): Promise<DpopKey> {
  return dpopKeyFromCryptoKeyPair(await generateDpopKeyPair());
}

describe('createDpopProof', () => {
  it('makes a proof the server accepts, bound to the key by its thumbprint', async () => {
    const key = await newKey();
    const proof = await createDpopProof(key, { method: 'post', url: URL_, nowMs: NOW_MS, jti: 'j-1', nonce: 'n-1' });
    const verified = await verifyDpopProof(proof, {
      method: 'POST',
      url: normalizeHtu(URL_)!,
      now: NOW_MS + 2000,
    });
    const thumbprint = createHash('sha256')
      .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x: key.publicJwk.x, y: key.publicJwk.y }))
      .digest('base64url');
    expect(verified).toEqual({ jkt: thumbprint, jti: 'j-1', iat: Math.floor(NOW_MS / 1000), nonce: 'n-1' });
  });

  it('has the header of RFC 9449 §4.2: typ dpop+jwt, alg ES256 and the public key alone', async () => {
    const key = await newKey();
    const { header } = partsOf(await createDpopProof(key, { method: 'POST', url: URL_, nowMs: NOW_MS, jti: 'j' }));
    expect(header).toEqual({
      typ: 'dpop+jwt',
      alg: 'ES256',
      jwk: { kty: 'EC', crv: 'P-256', x: key.publicJwk.x, y: key.publicJwk.y },
    });
  });

  it('claims jti, htm, htu without query or fragment, and iat in whole seconds; no nonce or ath unless given', async () => {
    const key = await newKey();
    const { payload } = partsOf(await createDpopProof(key, { method: 'post', url: URL_, nowMs: NOW_MS, jti: 'j-2' }));
    expect(payload).toEqual({
      jti: 'j-2',
      htm: 'POST',
      htu: 'https://auth.example.com/api/token/refresh/',
      iat: Math.floor(NOW_MS / 1000),
    });
  });

  it('adds ath, the base64url SHA-256 of the access token, when given one', async () => {
    const key = await newKey();
    const access = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln';
    const proof = await createDpopProof(key, {
      method: 'GET',
      url: URL_,
      nowMs: NOW_MS,
      jti: 'j',
      accessToken: access,
    });
    expect(partsOf(proof).payload.ath).toBe(createHash('sha256').update(access).digest('base64url'));
  });

  it.each([
    ['another method', { method: 'GET' }, 'The DPoP proof htm does not match the request method.'],
    [
      'another URL',
      { url: 'https://auth.example.com/api/token/' },
      'The DPoP proof htu does not match the request URL.',
    ],
    ['a minute and more ago', { now: NOW_MS + 61_000 }, 'The DPoP proof is too old.'],
  ])('is refused by the server for %s', async (_name, change, message) => {
    const proof = await createDpopProof(await newKey(), { method: 'POST', url: URL_, nowMs: NOW_MS, jti: 'j' });
    const expected = { method: 'POST', url: normalizeHtu(URL_)!, now: NOW_MS, ...change };
    await expect(verifyDpopProof(proof, expected)).rejects.toEqual(new DpopProofError(message));
  });

  it('signs every proof anew: two proofs for one request differ in jti and signature, both verify', async () => {
    const key = await newKey();
    const input = { method: 'POST', url: URL_, nowMs: NOW_MS };
    const [a, b] = await Promise.all([
      createDpopProof(key, { ...input, jti: 'a' }),
      createDpopProof(key, { ...input, jti: 'b' }),
    ]);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    for (const proof of [a, b]) {
      await expect(
        verifyDpopProof(proof, { method: 'POST', url: normalizeHtu(URL_)!, now: NOW_MS }),
      ).resolves.toMatchObject({});
    }
  });
});

describe('htuOf', () => {
  it.each([
    ['https://a.example/api/token/?x=1#f', 'https://a.example/api/token/'],
    ['HTTP://A.EXAMPLE:80/api/token/', 'http://a.example/api/token/'],
    ['http://127.0.0.1:8080/auth/api/token/refresh/#', 'http://127.0.0.1:8080/auth/api/token/refresh/'],
  ])('%s is %s', (url, htu) => expect(htuOf(url)).toBe(htu));
});

describe('generateDpopKeyPair', () => {
  it('makes a private key that cannot be exported', async () => {
    const pair = await generateDpopKeyPair();
    expect(pair.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', pair.privateKey as webcrypto.CryptoKey)).rejects.toThrow(
      /not extractable/,
    );
  });
});
