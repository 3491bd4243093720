/**
 * Forged keys, with each signing algorithm configured: alg none, HS256 keyed
 * with the public key's bytes (algorithm confusion), a kid of one algorithm
 * on a token of another, kids tessera does not hold, headers that would
 * fetch or embed a key, and oversized tokens. Every one is refused by
 * tessera's own codec, with the contract's answer on every surface.
 */
import { createHmac, createPublicKey, generateKeyPairSync, sign as signWith, type KeyObject } from 'node:crypto';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '@tessera/protocol';
import { describe } from 'vitest';
import { jwkThumbprint } from '../../src/keys/generate.js';
import {
  INVALID,
  TEST_SECRET,
  b64url,
  claimsOf,
  describeTokenTable,
  segment,
  segmentsOf,
  type RowContext,
  type TokenRow,
} from './support.js';

/** The forger's own key pairs, one per asymmetric algorithm. */
const attacker: Record<Exclude<SigningAlgorithm, 'HS256'>, { privateKey: KeyObject; publicKey: KeyObject }> = {
  EdDSA: generateKeyPairSync('ed25519'),
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
};
const attackerJwk = (alg: Exclude<SigningAlgorithm, 'HS256'>) => attacker[alg].publicKey.export({ format: 'jwk' });

/** A signature of `input` by `alg`: HS256 under `secret`, else the forger's key of that algorithm. */
function signature(alg: SigningAlgorithm, input: string, secret: string | Buffer = TEST_SECRET): string {
  if (alg === 'HS256') return createHmac('sha256', secret).update(input).digest('base64url');
  if (alg === 'EdDSA') return signWith(null, Buffer.from(input), attacker.EdDSA.privateKey).toString('base64url');
  if (alg === 'ES256') {
    return signWith('sha256', Buffer.from(input), {
      key: attacker.ES256.privateKey,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64url');
  }
  return signWith('sha256', Buffer.from(input), attacker.RS256.privateKey).toString('base64url');
}

/** The token's payload under `header(kid of the token, context)`, signed by `alg` (see {@link signature}). */
const forged =
  (
    header: (kid: string, context: RowContext) => Record<string, unknown>,
    alg: SigningAlgorithm,
    secret?: (kid: string, context: RowContext) => string | Buffer,
  ) =>
  (token: string, context: RowContext): string => {
    const kid = (JSON.parse(Buffer.from(segmentsOf(token)[0], 'base64url').toString('utf8')) as { kid: string }).kid;
    const input = `${segment(header(kid, context))}.${segmentsOf(token)[1]}`;
    return `${input}.${signature(alg, input, secret?.(kid, context))}`;
  };

/** The public key the JWKS serves for `kid`, as PEM and as the JWK's JSON text. */
const publicPem = (kid: string, context: RowContext) =>
  createPublicKey({ key: jwkNamed(kid, context), format: 'jwk' }).export({ type: 'spki', format: 'pem' });
const jwkNamed = (kid: string, context: RowContext) => {
  const jwk = context.publicKeys.find((key) => key.kid === kid);
  if (jwk === undefined) throw new Error(`the JWKS has no key ${kid}`);
  return jwk;
};

function rows(configured: SigningAlgorithm): TokenRow[] {
  const asymmetric = configured !== 'HS256';
  const others = SIGNING_ALGORITHMS.filter((alg) => alg !== configured);
  const forgerAlg = configured === 'HS256' ? 'EdDSA' : configured;
  const table: TokenRow[] = [
    { name: 'the fresh token itself (control)', make: (token) => token, verdict: 'accepted' },
    {
      name: 'alg "none" with the kid of the current key and an empty signature',
      make: (token) => `${segment({ alg: 'none', typ: 'JWT', kid: kidOf(token) })}.${segmentsOf(token)[1]}.`,
      verdict: INVALID,
    },
    {
      name: 'alg "none" without a kid and an empty signature',
      make: (token) => `${segment({ alg: 'none' })}.${segmentsOf(token)[1]}.`,
      verdict: INVALID,
    },
    {
      name: 'HS256 with the secret key and an unknown kid',
      make: forged(() => ({ alg: 'HS256', typ: 'JWT', kid: 'not-a-key-of-tessera' }), 'HS256'),
      verdict: INVALID,
    },
    {
      name: `${forgerAlg} signed by the forger's key, named by its own thumbprint (unknown kid)`,
      make: forged(() => ({ alg: forgerAlg, kid: jwkThumbprint(attackerJwk(forgerAlg)) }), forgerAlg),
      verdict: INVALID,
    },
    ...others.map((alg): TokenRow => ({
      name: `alg ${alg} (signed ${alg === 'HS256' ? 'with the real secret key' : "by the forger's key"}) under the kid of the current ${configured} key`,
      make: forged((kid) => ({ alg, typ: 'JWT', kid }), alg),
      verdict: INVALID,
    })),
    ...(
      [
        ['jku', { jku: 'https://attacker.example/jwks.json' }],
        ['x5u', { x5u: 'https://attacker.example/cert.pem' }],
        ['jwk', { jwk: attackerJwk(forgerAlg) }],
      ] as const
    ).flatMap(([member, extra]): TokenRow[] => [
      {
        name: `${member} pointing at the forger's key, beside the current kid, signed by the forger`,
        make: forged((kid) => ({ alg: forgerAlg, kid, ...extra }), forgerAlg),
        verdict: INVALID,
      },
      {
        name: `${member} pointing at the forger's key, without a kid, signed by the forger`,
        make: forged(() => ({ alg: forgerAlg, ...extra }), forgerAlg),
        verdict: INVALID,
      },
      {
        name: `${member} beside the current kid, HS256 with the real secret key`,
        make: forged((kid) => ({ alg: 'HS256', kid, ...extra }), 'HS256'),
        verdict: INVALID,
      },
    ]),
    {
      name: 'a token of 4097 characters, HS256 with the real secret key and the current kid',
      make: (token, context) => {
        const kid = kidOf(token);
        const header = segment({ alg: 'HS256', typ: 'JWT', kid });
        const fill = 'x'.repeat(4097);
        const payload = b64url(JSON.stringify({ ...claimsOf(token), fill }));
        const input = `${header}.${payload}`;
        void context;
        return `${input}.${signature('HS256', input)}`.slice(0, 4097 + 43 + 1);
      },
      verdict: INVALID,
    },
    {
      name: 'HS256 with the real secret key and no kid',
      make: forged(() => ({ alg: 'HS256', typ: 'JWT' }), 'HS256'),
      // Tokens without a kid verify while an HS256 key signs (issued before keys had ids, or by SimpleJWT).
      verdict: asymmetric ? INVALID : 'accepted',
    },
  ];
  if (asymmetric) {
    table.push(
      {
        name: 'HS256 keyed with the public key as PEM, under its kid (algorithm confusion)',
        make: forged(
          (kid) => ({ alg: 'HS256', typ: 'JWT', kid }),
          'HS256',
          (kid, context) => publicPem(kid, context),
        ),
        verdict: INVALID,
      },
      {
        name: 'HS256 keyed with the public key as PEM, without a kid',
        make: forged(
          () => ({ alg: 'HS256', typ: 'JWT' }),
          'HS256',
          (kid, context) => publicPem(kid, context),
        ),
        verdict: INVALID,
      },
      {
        name: "HS256 keyed with the public JWK's JSON, under its kid",
        make: forged(
          (kid) => ({ alg: 'HS256', kid }),
          'HS256',
          (kid, context) => JSON.stringify(jwkNamed(kid, context)),
        ),
        verdict: INVALID,
      },
      {
        name: "HS256 keyed with the public key's x or n bytes, under its kid",
        make: forged(
          (kid) => ({ alg: 'HS256', kid }),
          'HS256',
          (kid, context) => Buffer.from(jwkNamed(kid, context).x ?? jwkNamed(kid, context).n ?? '', 'base64url'),
        ),
        verdict: INVALID,
      },
      {
        name: `${configured} signed by the forger under the kid of the published next key`,
        make: forged(
          (kid, context) => ({ alg: configured, kid: context.publicKeys.find((key) => key.kid !== kid)!.kid }),
          configured,
        ),
        verdict: INVALID,
      },
    );
  }
  return table;
}

const kidOf = (token: string) =>
  (JSON.parse(Buffer.from(segmentsOf(token)[0], 'base64url').toString('utf8')) as { kid: string }).kid;

describe.each(SIGNING_ALGORITHMS.map((alg) => [alg]))('forged keys, with TESSERA_SIGNING_ALGORITHM=%s', (alg) => {
  describeTokenTable(rows(alg), { TESSERA_SIGNING_ALGORITHM: alg });
});
