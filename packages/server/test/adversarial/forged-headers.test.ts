/**
 * Forged tokens on every surface: header injection, and the compact shape and
 * size. Each row starts from the surface's own fresh, valid token.
 */
import { deflateRawSync } from 'node:zlib';
import { describe } from 'vitest';
import {
  HS256_HEADER,
  INVALID,
  b64url,
  claimsOf,
  describeTokenTable,
  reheader,
  segment,
  segmentsOf,
  sign,
  type TokenRow,
} from './support.js';

/** The token with its payload segment replaced by `change(payload)` and signed again with the real key. */
const repayload = (change: (payload: string) => string) => (token: string) => {
  const [header, payload] = segmentsOf(token);
  return sign(header, change(payload));
};

/** The token re-signed with a payload padded by a filler claim to exactly `length` characters. */
const ofLength = (length: number) => (token: string) => {
  const claims = claimsOf(token);
  const payloadBytes = Math.floor(((length - HS256_HEADER.length - 2 - 43) * 3) / 4);
  const fill = payloadBytes - JSON.stringify({ ...claims, p: '' }).length;
  for (const size of [fill - 1, fill, fill + 1]) {
    const forged = sign(HS256_HEADER, segment({ ...claims, p: 'x'.repeat(size) }));
    if (forged.length === length) return forged;
  }
  throw new Error(`no token of exactly ${length} characters`);
};

/** The token re-signed with a claim `x` nested `depth` arrays deep. */
const nested = (depth: number) => (token: string) =>
  sign(
    HS256_HEADER,
    b64url(JSON.stringify(claimsOf(token)).replace(/}$/, `,"x":${'['.repeat(depth)}${']'.repeat(depth)}}`)),
  );

const ATTACKER_KEY = 'attacker-controlled-key-0123456789abcdef';

const headerRows: TokenRow[] = [
  // A kid must name a key tessera holds: whatever it points at, and whatever key signed it, a kid naming none fails.
  {
    name: 'kid "../../../../dev/null", signed with an empty key',
    make: reheader({ alg: 'HS256', kid: '../../../../dev/null' }, ''),
    verdict: INVALID,
  },
  {
    name: 'kid "/dev/null", signed with an empty key',
    make: reheader({ alg: 'HS256', kid: '/dev/null' }, ''),
    verdict: INVALID,
  },
  {
    name: "kid \"' UNION SELECT 'attacker-key' --\", signed with that key",
    make: reheader({ alg: 'HS256', kid: "' UNION SELECT 'attacker-key' --" }, 'attacker-key'),
    verdict: INVALID,
  },
  {
    name: 'kid "$(echo key)", signed with "key"',
    make: reheader({ alg: 'HS256', kid: '$(echo key)' }, 'key'),
    verdict: INVALID,
  },
  {
    name: 'kid "`cat /etc/hostname`" with an empty key',
    make: reheader({ alg: 'HS256', kid: '`cat /etc/hostname`' }, ''),
    verdict: INVALID,
  },
  {
    name: 'kid "../../../../etc/passwd", signed with the real key',
    make: reheader({ alg: 'HS256', typ: 'JWT', kid: '../../../../etc/passwd' }),
    verdict: INVALID,
  },
  {
    name: "kid \"1' OR '1'='1\", signed with the real key",
    make: reheader({ alg: 'HS256', kid: "1' OR '1'='1" }),
    verdict: INVALID,
  },
  {
    name: 'kid "| rm -rf / #", signed with the real key',
    make: reheader({ alg: 'HS256', kid: '| rm -rf / #' }),
    verdict: INVALID,
  },
  { name: 'kid of 257 characters', make: reheader({ alg: 'HS256', kid: 'k'.repeat(257) }), verdict: INVALID },
  { name: 'kid as a number', make: reheader({ alg: 'HS256', kid: 1 }), verdict: INVALID },
  { name: 'kid null', make: reheader({ alg: 'HS256', kid: null }), verdict: INVALID },
  { name: 'kid as an object', make: reheader({ alg: 'HS256', kid: { path: '/dev/null' } }), verdict: INVALID },
  // Members that would fetch, embed or change the key or the encoding, with the real key and with the attacker's.
  ...(
    [
      ['jku', { jku: 'https://attacker.example/jwks.json' }],
      ['x5u', { x5u: 'https://attacker.example/cert.pem' }],
      ['x5c', { x5c: ['MIIBszCCAVmgAwIBAgIU'] }],
      ['x5t', { x5t: 'dGh1bWJwcmludA' }],
      ['jwk', { jwk: { kty: 'oct', k: b64url(ATTACKER_KEY) } }],
      ['crit ["exp"]', { crit: ['exp'] }],
      ['crit []', { crit: [] }],
      ['b64 false', { b64: false, crit: ['b64'] }],
      ['zip "DEF"', { zip: 'DEF' }],
      ['enc "A256GCM"', { enc: 'A256GCM' }],
      ['cty "JWT"', { cty: 'JWT' }],
      ['typ "JWS"', { typ: 'JWS' }],
      ['typ null', { typ: null }],
    ] as const
  ).flatMap(([name, members]): TokenRow[] => [
    {
      name: `header ${name}, signed with the real key`,
      make: reheader({ alg: 'HS256', ...members }),
      verdict: INVALID,
    },
    {
      name: `header ${name}, signed with the attacker's key`,
      make: reheader({ alg: 'HS256', ...members }, ATTACKER_KEY),
      verdict: INVALID,
    },
  ]),
  {
    name: 'header zip "DEF" over a deflated payload, signed with the real key',
    make: (token) =>
      sign(segment({ alg: 'HS256', zip: 'DEF' }), b64url(deflateRawSync(JSON.stringify(claimsOf(token))))),
    verdict: INVALID,
  },
  {
    name: 'header b64 false over the unencoded payload, signed with the real key',
    make: (token) => sign(segment({ alg: 'HS256', b64: false, crit: ['b64'] }), JSON.stringify(claimsOf(token))),
    verdict: INVALID,
  },
  // RFC 7515 §4: a duplicate member name is read as its last value.
  {
    name: 'a header of alg "none" then alg "HS256"',
    make: rawHeader('{"alg":"none","alg":"HS256"}'),
    verdict: 'accepted',
  },
  {
    name: 'a header of alg "HS256" then alg "none"',
    make: rawHeader('{"alg":"HS256","alg":"none"}'),
    verdict: INVALID,
  },
  {
    name: 'a header with a __proto__ member',
    make: rawHeader('{"alg":"HS256","__proto__":{"alg":"none"}}'),
    verdict: INVALID,
  },
  {
    name: 'a header whose alg is only under __proto__',
    make: rawHeader('{"__proto__":{"alg":"HS256"}}'),
    verdict: INVALID,
  },
  { name: 'a header that is an array', make: reheader(['HS256']), verdict: INVALID },
  { name: 'a header that is a string', make: reheader('HS256'), verdict: INVALID },
  { name: 'a header that is a number', make: reheader(256), verdict: INVALID },
  { name: 'a header that is null', make: reheader(null), verdict: INVALID },
  { name: 'a header that is not JSON', make: rawHeader('alg=HS256'), verdict: INVALID },
  { name: 'a header that is truncated JSON', make: rawHeader('{"alg":"HS256"'), verdict: INVALID },
  { name: 'a header with a byte-order mark', make: rawHeader('\ufeff{"alg":"HS256"}'), verdict: INVALID },
  {
    name: 'a header with invalid UTF-8',
    make: rawHeader(
      Buffer.concat([Buffer.from('{"alg":"HS256","kid":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
    ),
    verdict: INVALID,
  },
];

/** The token's payload under a header of exactly these bytes, signed with the real key. */
function rawHeader(bytes: string | Uint8Array) {
  return (token: string) => sign(b64url(bytes), segmentsOf(token)[1]);
}

const BLANK = { field: 'This field may not be blank.' } as const;

const shapeRows: TokenRow[] = [
  {
    name: 'an empty string',
    make: () => '',
    verdict: INVALID,
    on: { body: BLANK, bearer: 'bad_authorization_header' },
  },
  { name: 'one segment', make: (token) => segmentsOf(token)[0], verdict: INVALID },
  { name: 'four segments', make: (token) => `${token}.${segmentsOf(token)[2]}`, verdict: INVALID },
  { name: 'four segments, the last empty', make: (token) => `${token}.`, verdict: INVALID },
  {
    name: 'five segments (the shape of a JWE)',
    make: (token) => `${token}.${segmentsOf(token)[1]}.x`,
    verdict: INVALID,
  },
  { name: 'only dots', make: () => '..', verdict: INVALID },
  { name: 'an empty header segment', make: (token) => `.${segmentsOf(token).slice(1).join('.')}`, verdict: INVALID },
  { name: 'an empty payload segment, signed', make: () => sign(HS256_HEADER, ''), verdict: INVALID },
  { name: '"+" in the payload, signed', make: repayload((p) => `${p.slice(0, 8)}+${p.slice(9)}`), verdict: INVALID },
  { name: '"/" in the payload, signed', make: repayload((p) => `${p.slice(0, 8)}/${p.slice(9)}`), verdict: INVALID },
  { name: '"*" in the payload, signed', make: repayload((p) => `${p.slice(0, 8)}*${p.slice(9)}`), verdict: INVALID },
  { name: '"=" padding on the payload, signed', make: repayload((p) => `${p}=`), verdict: INVALID },
  {
    name: '"=" padding on the header, signed',
    make: (token) => sign(`${HS256_HEADER}=`, segmentsOf(token)[1]),
    verdict: INVALID,
  },
  {
    name: 'a payload one character past a multiple of 4, signed',
    make: repayload((p) => `${p}${'A'.repeat((5 - (p.length % 4)) % 4 || 4)}`),
    verdict: INVALID,
  },
  { name: 'percent-encoded dots', make: (token) => token.replaceAll('.', '%2E'), verdict: INVALID },
  { name: 'the token in quotes', make: (token) => `"${token}"`, verdict: INVALID },
  {
    name: 'the token after "Bearer "',
    make: (token) => `Bearer ${token}`,
    verdict: INVALID,
    on: { bearer: 'bad_authorization_header' },
  },
  {
    name: 'a space inside the payload',
    make: repayload((p) => `${p.slice(0, 4)} ${p.slice(4)}`),
    verdict: INVALID,
    on: { bearer: 'bad_authorization_header' },
  },
  {
    name: 'a tab between segments',
    make: (token) => token.replace('.', '.\t'),
    verdict: INVALID,
    on: { bearer: 'bad_authorization_header' },
  },
  {
    name: 'a newline between segments',
    make: (token) => token.replace('.', '\n.'),
    verdict: INVALID,
    on: { bearer: 'bad_authorization_header' },
  },
  // Fields are trimmed; the header is split on white space.
  { name: 'surrounding white space', make: (token) => ` \t${token} `, verdict: 'accepted' },
  { name: 'a zero-width space', make: (token) => token.replace('.', '\u200b.'), verdict: INVALID },
  // String fields are trimmed of Unicode white space, as Python's str.strip() does; the header only of ASCII.
  {
    name: 'a non-breaking space at the end',
    make: (token) => `${token}\u00a0`,
    verdict: INVALID,
    on: { body: 'accepted' },
  },
  { name: 'full-width letters', make: (token) => `${token.slice(0, -1)}\uff21`, verdict: INVALID },
  {
    name: 'a NUL byte at the end',
    make: (token) => `${token}\u0000`,
    verdict: INVALID,
    on: { body: { field: 'Null characters are not allowed.' } },
  },
  { name: 'a token of exactly 4096 characters, signed', make: ofLength(4096), verdict: 'accepted' },
  { name: 'a token of 4097 characters, signed', make: ofLength(4097), verdict: INVALID },
  { name: 'a token of 8 KiB, signed', make: ofLength(8192), verdict: INVALID },
  { name: 'a payload nested 1,300 arrays deep within 4 KiB, signed', make: nested(1300), verdict: 'accepted' },
  { name: 'a payload nested 2,500 arrays deep (over 4 KiB), signed', make: nested(2500), verdict: INVALID },
  {
    name: 'a payload with invalid UTF-8, signed',
    make: (token) =>
      sign(
        HS256_HEADER,
        b64url(
          Buffer.concat([
            Buffer.from(JSON.stringify(claimsOf(token)).slice(0, -1)),
            Buffer.from(',"x":"\xc3\x28"}', 'latin1'),
          ]),
        ),
      ),
    verdict: INVALID,
  },
];

describe('forged tokens: header injection', () => {
  describeTokenTable(headerRows);
});

describe('forged tokens: compact shape and size', () => {
  describeTokenTable(shapeRows);
});
