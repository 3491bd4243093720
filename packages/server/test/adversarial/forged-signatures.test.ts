/**
 * Forged tokens on every surface: the algorithm, the signature and the key.
 * Each row starts from the surface's own fresh, valid token, so a row fails
 * only by what it changes.
 */
import { constants, createHash, createSign, generateKeyPairSync, sign as signWith } from 'node:crypto';
import { describe } from 'vitest';
import {
  INVALID,
  TEST_SECRET,
  b64url,
  claimsOf,
  describeTokenTable,
  flip,
  reheader,
  segment,
  segmentsOf,
  type TokenRow,
} from './support.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

/** The token's payload under `header`, signed by `signature(signingInput)`. */
const signedBy = (header: unknown, signature: (input: string) => string) => (token: string) => {
  const input = `${segment(header)}.${segmentsOf(token)[1]}`;
  return `${input}.${signature(input)}`;
};

/** The token with its signature replaced by `change(signature)`. */
const resignature = (change: (signature: string) => string) => (token: string) => {
  const [header, payload, signature] = segmentsOf(token);
  return `${header}.${payload}.${change(signature)}`;
};

const NONE_CASINGS = Array.from({ length: 16 }, (_, bits) =>
  [...'none'].map((letter, i) => ((bits >> i) & 1 ? letter.toUpperCase() : letter)).join(''),
);

const algorithmRows: TokenRow[] = [
  { name: 'the fresh token itself (control)', make: (token) => token, verdict: 'accepted' },
  {
    name: 'the fresh token re-signed by this suite (control)',
    make: reheader({ alg: 'HS256', typ: 'JWT' }),
    verdict: 'accepted',
  },
  ...NONE_CASINGS.flatMap((alg): TokenRow[] => [
    {
      name: `alg "${alg}" with an empty signature`,
      make: (token) => `${segment({ alg, typ: 'JWT' })}.${segmentsOf(token)[1]}.`,
      verdict: INVALID,
    },
    { name: `alg "${alg}" with a signature of the real key`, make: reheader({ alg, typ: 'JWT' }), verdict: INVALID },
  ]),
  {
    name: 'alg "none" with no signature segment',
    make: (token) => `${segment({ alg: 'none' })}.${segmentsOf(token)[1]}`,
    verdict: INVALID,
  },
  ...(
    [
      ['no alg', { typ: 'JWT' }],
      ['an empty header', {}],
      ['alg null', { alg: null }],
      ['alg as a number', { alg: 256 }],
      ['alg true', { alg: true }],
      ['alg as an array', { alg: ['HS256'] }],
      ['alg as an object', { alg: { name: 'HS256' } }],
      ['alg ""', { alg: '' }],
      ['alg "hs256"', { alg: 'hs256' }],
      ['alg "HS256 "', { alg: 'HS256 ' }],
      ['alg " HS256"', { alg: ' HS256' }],
      ['alg "HS256\\u0000"', { alg: 'HS256\u0000' }],
    ] as const
  ).map(([name, header]): TokenRow => ({
    name: `${name}, signed with the real key`,
    make: reheader(header),
    verdict: INVALID,
  })),
  {
    name: 'alg HS384, signed with HS384 and the real key',
    make: reheader({ alg: 'HS384' }, TEST_SECRET, 'sha384'),
    verdict: INVALID,
  },
  {
    name: 'alg HS512, signed with HS512 and the real key',
    make: reheader({ alg: 'HS512' }, TEST_SECRET, 'sha512'),
    verdict: INVALID,
  },
  {
    name: 'alg HS256 over an HS384 signature of the real key',
    make: reheader({ alg: 'HS256' }, TEST_SECRET, 'sha384'),
    verdict: INVALID,
  },
  {
    name: 'alg HS256 over an HS512 signature of the real key',
    make: reheader({ alg: 'HS256' }, TEST_SECRET, 'sha512'),
    verdict: INVALID,
  },
  {
    name: 'alg RS256 with an HMAC of the real key (key confusion)',
    make: reheader({ alg: 'RS256' }),
    verdict: INVALID,
  },
  { name: 'alg ES256 with an HMAC of the real key', make: reheader({ alg: 'ES256' }), verdict: INVALID },
  { name: 'alg PS256 with an HMAC of the real key', make: reheader({ alg: 'PS256' }), verdict: INVALID },
  {
    name: 'alg RS256, validly signed with an RSA key',
    make: signedBy({ alg: 'RS256' }, (input) =>
      createSign('RSA-SHA256').update(input).sign(rsa.privateKey, 'base64url'),
    ),
    verdict: INVALID,
  },
  {
    name: 'alg PS256, validly signed with an RSA key',
    make: signedBy({ alg: 'PS256' }, (input) =>
      signWith('sha256', Buffer.from(input), {
        key: rsa.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      }).toString('base64url'),
    ),
    verdict: INVALID,
  },
  {
    name: 'alg ES256, validly signed with a P-256 key',
    make: signedBy({ alg: 'ES256' }, (input) =>
      signWith('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url'),
    ),
    verdict: INVALID,
  },
  {
    name: 'alg EdDSA, validly signed with an Ed25519 key',
    make: signedBy({ alg: 'EdDSA' }, (input) =>
      signWith(null, Buffer.from(input), ed.privateKey).toString('base64url'),
    ),
    verdict: INVALID,
  },
];

const signatureRows: TokenRow[] = [
  { name: 'a stripped signature', make: resignature(() => ''), verdict: INVALID },
  { name: 'no signature segment', make: (token) => segmentsOf(token).slice(0, 2).join('.'), verdict: INVALID },
  { name: 'a signature one character short', make: resignature((s) => s.slice(0, -1)), verdict: INVALID },
  { name: 'half a signature', make: resignature((s) => s.slice(0, 22)), verdict: INVALID },
  { name: 'a signature one character longer', make: resignature((s) => `${s}A`), verdict: INVALID },
  { name: 'a signature four characters longer', make: resignature((s) => `${s}AAAA`), verdict: INVALID },
  { name: 'the signature twice', make: resignature((s) => s + s), verdict: INVALID },
  { name: 'the first signature character altered', make: resignature((s) => flip(s, 0)), verdict: INVALID },
  { name: 'a middle signature character altered', make: resignature((s) => flip(s, 21)), verdict: INVALID },
  { name: 'the last signature character altered', make: resignature((s) => flip(s, -1)), verdict: INVALID },
  {
    name: 'the last signature character differing only in its unused bits',
    make: resignature((s) => `${s.slice(0, -1)}${String.fromCharCode(s.charCodeAt(s.length - 1) + 1)}`),
    verdict: INVALID,
  },
  {
    name: 'the signature in padded standard base64',
    make: resignature((s) => Buffer.from(s, 'base64url').toString('base64')),
    verdict: INVALID,
  },
  { name: 'the signature with "=" padding', make: resignature((s) => `${s}=`), verdict: INVALID },
  { name: 'a signature of 32 zero bytes', make: resignature(() => 'A'.repeat(43)), verdict: INVALID },
  { name: 'the signature reversed', make: resignature((s) => [...s].reverse().join('')), verdict: INVALID },
  {
    name: "the signature of the pair's other token",
    make: (token, { pair }) =>
      resignature(() => segmentsOf(token === pair.access ? pair.refresh : pair.access)[2])(token),
    verdict: INVALID,
  },
  // The payload changed, the original signature kept.
  ...(
    [
      ['exp a day later', (c: Record<string, unknown>) => ({ ...c, exp: (c.exp as number) + 86_400 })],
      ['user_id of bob', (c: Record<string, unknown>) => ({ ...c, user_id: '2' })],
      [
        'token_type swapped',
        (c: Record<string, unknown>) => ({ ...c, token_type: c.token_type === 'access' ? 'refresh' : 'access' }),
      ],
      ['is_superuser added', (c: Record<string, unknown>) => ({ ...c, is_superuser: true })],
    ] as const
  ).map(([name, change]): TokenRow => ({
    name: `the payload with ${name}, under the original signature`,
    make: (token) => {
      const [header, , signature] = segmentsOf(token);
      return `${header}.${segment(change(claimsOf(token)))}.${signature}`;
    },
    verdict: INVALID,
  })),
  {
    name: 'one payload character altered, under the original signature',
    make: (token) => {
      const [header, payload, signature] = segmentsOf(token);
      return `${header}.${flip(payload, 10)}.${signature}`;
    },
    verdict: INVALID,
  },
  {
    name: 'the same claims spelled with white space, under the original signature',
    make: (token) => {
      const [header, , signature] = segmentsOf(token);
      return `${header}.${b64url(JSON.stringify(claimsOf(token), null, 1))}.${signature}`;
    },
    verdict: INVALID,
  },
];

const WEAK_KEYS: Array<[string, string | Uint8Array]> = [
  ['an empty key', ''],
  ['"secret"', 'secret'],
  ['"your-256-bit-secret"', 'your-256-bit-secret'],
  ['"password"', 'password'],
  ['"changeme"', 'changeme'],
  ['"key"', 'key'],
  ['"null"', 'null'],
  ['32 zero bytes', new Uint8Array(32)],
  ['the real key upper-cased', TEST_SECRET.toUpperCase()],
  ['the real key without its last character', TEST_SECRET.slice(0, -1)],
  ['the real key with a trailing newline', `${TEST_SECRET}\n`],
  ['the real key read as base64', Buffer.from(TEST_SECRET, 'base64')],
  ['the SHA-256 of the real key', createHash('sha256').update(TEST_SECRET).digest()],
];

const keyRows: TokenRow[] = WEAK_KEYS.map(([name, key]) => ({
  name: `signed with ${name}`,
  make: reheader({ alg: 'HS256', typ: 'JWT' }, key),
  verdict: INVALID,
}));

describe('forged tokens: algorithms', () => {
  describeTokenTable(algorithmRows);
});

describe('forged tokens: signatures and tampered payloads', () => {
  describeTokenTable(signatureRows);
});

describe('forged tokens: weak and wrong keys', () => {
  describeTokenTable(keyRows);
});
