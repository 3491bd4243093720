import { createPublicKey } from 'node:crypto';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tesseraHono, type TesseraEnv } from '../src/adapters/hono.js';
import { createVerifier, type Verifier } from '../src/index.js';
import { manualClock, type ManualClock } from './support/clock.js';
import { refusalOf, tokenBody } from './support/refusal.js';
import {
  ASYMMETRIC_ALGORITHMS,
  HS_SECRET,
  SERVICE,
  accessClaims,
  compact,
  hmacForge,
  startStandIn,
  type AsymmetricAlgorithm,
  type StandIn,
} from './support/stand-in.js';

const ISSUER = 'https://auth.example.com';
const AUDIENCE = 'notes';

/** A forged or unusable token and the SimpleJWT message tessera gives for it. */
interface Forgery {
  name: string;
  token: () => Promise<string> | string;
  message?: string;
}

let standIn: StandIn;
let clock: ManualClock;
let verifier: Verifier;
const kids = new Map<AsymmetricAlgorithm, string>();
const unpublished = new Map<AsymmetricAlgorithm, string>();

const claims = (overrides: Record<string, unknown> = {}) =>
  accessClaims(clock.now(), { iss: ISSUER, aud: AUDIENCE, ...overrides });

beforeAll(async () => {
  standIn = await startStandIn();
  clock = manualClock();
  for (const alg of ASYMMETRIC_ALGORITHMS) {
    kids.set(alg, await standIn.addKey(alg));
    const spare = await standIn.addKey(alg);
    standIn.unpublish(spare);
    unpublished.set(alg, spare);
  }
  verifier = createVerifier({ url: standIn.url, service: SERVICE, issuer: ISSUER, audience: AUDIENCE, clock });
  await verifier.ready();
});

afterAll(async () => {
  await verifier.close();
  await standIn.close();
});

/** The answer of a Hono app behind `target` to `Authorization: Bearer <token>`. */
async function overHono(target: Verifier, token: string) {
  const app = new Hono<TesseraEnv>();
  app.get('/', tesseraHono(target).authenticate, (c) => c.json({ user: c.var.user.username }));
  const response = await app.request('/', { headers: { authorization: `Bearer ${token}` } });
  return {
    status: response.status,
    body: await response.json(),
    wwwAuthenticate: response.headers.get('www-authenticate'),
  };
}

/** The rows of the forgery table for tokens of `alg`. */
function forgeries(alg: AsymmetricAlgorithm): Forgery[] {
  const kid = kids.get(alg) as string;
  const other = ASYMMETRIC_ALGORITHMS.find((candidate) => candidate !== alg) as AsymmetricAlgorithm;
  const publicJwk = standIn.keys.get(kid)?.publicJwk as object;
  const publicPem = createPublicKey({ key: publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  return [
    { name: 'alg none, no signature', token: () => compact({ alg: 'none', kid, typ: 'JWT' }, claims(), '') },
    { name: 'alg none with a signature', token: () => compact({ alg: 'none', kid, typ: 'JWT' }, claims(), 'AAAA') },
    {
      name: 'HS256 signed with the public key (PEM)',
      token: () => hmacForge({ alg: 'HS256', kid, typ: 'JWT' }, claims(), publicPem),
    },
    {
      name: 'HS256 signed with the public JWK',
      token: () => hmacForge({ alg: 'HS256', kid, typ: 'JWT' }, claims(), JSON.stringify(publicJwk)),
    },
    {
      name: `this kid on a token of ${other}`,
      token: () => standIn.sign(kids.get(other) as string, claims(), { kid }),
    },
    { name: 'an unknown kid', token: () => standIn.sign(unpublished.get(alg) as string, claims()) },
    { name: 'no kid', token: () => standIn.sign(kid, claims(), { kid: undefined }) },
    { name: 'a jku header', token: () => standIn.sign(kid, claims(), { jku: 'http://127.0.0.1:1/jwks.json' }) },
    { name: 'an x5u header', token: () => standIn.sign(kid, claims(), { x5u: 'http://127.0.0.1:1/cert.pem' }) },
    { name: 'a jwk header', token: () => standIn.sign(kid, claims(), { jwk: publicJwk }) },
    {
      name: 'a payload changed after signing',
      token: async () => {
        const [header, , signature] = (await standIn.sign(kid, claims())).split('.');
        const payload = Buffer.from(JSON.stringify(claims({ user_id: '1' }))).toString('base64url');
        return `${header}.${payload}.${signature}`;
      },
    },
    {
      name: 'expired',
      token: () => standIn.sign(kid, claims({ exp: Math.floor(clock.now() / 1000) })),
      message: 'Token is expired',
    },
    { name: 'not yet valid (nbf)', token: () => standIn.sign(kid, claims({ nbf: clock.now() / 1000 + 60 })) },
    { name: 'issued in the future (iat)', token: () => standIn.sign(kid, claims({ iat: clock.now() / 1000 + 60 })) },
    { name: 'a wrong iss', token: () => standIn.sign(kid, claims({ iss: 'https://evil.example.com' })) },
    { name: 'no iss', token: () => standIn.sign(kid, claims({ iss: undefined })) },
    { name: 'a wrong aud', token: () => standIn.sign(kid, claims({ aud: 'billing' })) },
    {
      name: 'a refresh token',
      token: () => standIn.sign(kid, claims({ token_type: 'refresh' })),
      message: 'Token has wrong type',
    },
    {
      name: 'no token_type',
      token: () => standIn.sign(kid, claims({ token_type: undefined })),
      message: 'Token has no type',
    },
    { name: 'an oversized token', token: () => standIn.sign(kid, claims({ pad: 'x'.repeat(4096) })) },
    { name: 'not a JWS', token: () => 'not.a.token!' },
  ];
}

describe.each(ASYMMETRIC_ALGORITHMS)('%s tokens', (alg) => {
  it('a token tessera signed is accepted, with its claims', async () => {
    const good = claims();
    const verified = await verifier.verify(await standIn.sign(kids.get(alg) as string, good));
    expect(verified).toEqual(good);
  });

  it('every row of the forgery table is 401 token_not_valid with the contract body', async () => {
    for (const forgery of forgeries(alg)) {
      const token = await forgery.token();
      const refusal = await refusalOf(verifier.verify(token));
      expect({ name: forgery.name, ...refusal }).toEqual({
        name: forgery.name,
        code: 'token_not_valid',
        status: 401,
        body: tokenBody(forgery.message),
        headers: { 'www-authenticate': 'Bearer realm="api"' },
      });
      expect({ name: forgery.name, ...(await overHono(verifier, token)) }).toEqual({
        name: forgery.name,
        status: 401,
        body: tokenBody(forgery.message),
        wwwAuthenticate: 'Bearer realm="api"',
      });
    }
  });
});

describe('HS256 mode (a shared secret)', () => {
  let hsVerifier: Verifier;
  beforeAll(async () => {
    hsVerifier = createVerifier({
      url: standIn.url,
      service: SERVICE,
      secret: HS_SECRET,
      issuer: ISSUER,
      audience: AUDIENCE,
      clock,
    });
    await hsVerifier.ready();
  });
  afterAll(() => hsVerifier.close());

  it('accepts a token signed with the secret, whatever its kid', async () => {
    const good = claims();
    expect(await hsVerifier.verify(standIn.signHs256(good))).toEqual(good);
    expect(await hsVerifier.verify(standIn.signHs256(good, 'another-kid'))).toEqual(good);
  });

  const hsForgeries = (): Forgery[] => [
    { name: 'alg none', token: () => compact({ alg: 'none', kid: 'hs256-1', typ: 'JWT' }, claims(), '') },
    {
      name: 'another secret',
      token: () => hmacForge({ alg: 'HS256', kid: 'hs256-1', typ: 'JWT' }, claims(), 'x'.repeat(40)),
    },
    { name: 'an EdDSA token of the JWKS', token: () => standIn.sign(kids.get('EdDSA') as string, claims()) },
    {
      name: 'a jku header',
      token: () => hmacForge({ alg: 'HS256', typ: 'JWT', jku: 'http://127.0.0.1:1/' }, claims(), HS_SECRET),
    },
    {
      name: 'a jwk header',
      token: () => hmacForge({ alg: 'HS256', typ: 'JWT', jwk: { kty: 'oct', k: 'AA' } }, claims(), HS_SECRET),
    },
    {
      name: 'expired',
      token: () => standIn.signHs256(claims({ exp: clock.now() / 1000 - 1 })),
      message: 'Token is expired',
    },
    { name: 'nbf ahead', token: () => standIn.signHs256(claims({ nbf: clock.now() / 1000 + 60 })) },
    { name: 'iat ahead', token: () => standIn.signHs256(claims({ iat: clock.now() / 1000 + 60 })) },
    { name: 'a wrong iss', token: () => standIn.signHs256(claims({ iss: 'other' })) },
    { name: 'a wrong aud', token: () => standIn.signHs256(claims({ aud: ['billing'] })) },
    {
      name: 'a refresh token',
      token: () => standIn.signHs256(claims({ token_type: 'refresh' })),
      message: 'Token has wrong type',
    },
    { name: 'an oversized token', token: () => standIn.signHs256(claims({ pad: 'x'.repeat(4096) })) },
  ];

  it('every row of the forgery table is 401 token_not_valid with the contract body', async () => {
    for (const forgery of hsForgeries()) {
      const token = await forgery.token();
      const refusal = await refusalOf(hsVerifier.verify(token));
      expect({ name: forgery.name, code: refusal.code, body: refusal.body }).toEqual({
        name: forgery.name,
        code: 'token_not_valid',
        body: tokenBody(forgery.message),
      });
      expect({ name: forgery.name, ...(await overHono(hsVerifier, token)) }).toEqual({
        name: forgery.name,
        status: 401,
        body: tokenBody(forgery.message),
        wwwAuthenticate: 'Bearer realm="api"',
      });
    }
  });

  it('a `key` revocation refuses tokens whose header kid it names', async () => {
    const token = standIn.signHs256(claims(), 'hs-revoked');
    await hsVerifier.verify(token);
    standIn.emit('key', 'hs-revoked', clock.now() / 1000);
    await expect
      .poll(() =>
        refusalOf(hsVerifier.verify(token)).then(
          (r) => r.code,
          () => 'accepted',
        ),
      )
      .toBe('token_not_valid');
    expect(await hsVerifier.verify(standIn.signHs256(claims(), 'hs-other'))).toMatchObject({ username: 'alice' });
  });
});
