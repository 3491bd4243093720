import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenError } from '../../src/errors.js';
import { MAX_TOKEN_LENGTH } from '../../src/tokens/jwt.js';
import { TEST_KID, hs256Codec } from '../support/codec.js';

const KEY = 'the-real-signing-key-of-this-suite-0123456789';
const jwt = hs256Codec(KEY);

const CLAIMS = {
  token_type: 'access',
  exp: 1_767_225_900,
  iat: 1_767_225_600,
  jti: '0123456789abcdef0123456789abcdef',
  user_id: '1',
  username: 'alice',
  sid: 'fedcba9876543210fedcba9876543210',
};
const HS256 = { alg: 'HS256', typ: 'JWT' };

const b64url = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url');
const segment = (value: unknown): string => b64url(JSON.stringify(value));

/** A signature made with node:crypto, so that hostile tokens carry a valid MAC for `key`. */
function mac(signingInput: string, key = KEY, hash = 'sha256'): string {
  return createHmac(hash, key).update(signingInput).digest('base64url');
}

/** `header.payload.signature` from encoded segments, signed with HMAC-`hash` under `key`. */
function forge(headerSegment: string, payloadSegment = segment(CLAIMS), key = KEY, hash = 'sha256'): string {
  const input = `${headerSegment}.${payloadSegment}`;
  return `${input}.${mac(input, key, hash)}`;
}

/** A token whose header is `header` (JSON-encoded) and whose signature is valid for the real key. */
const withHeader = (header: unknown): string => forge(segment(header));
/** A token whose payload is `payload` (JSON-encoded) and whose signature is valid for the real key. */
const withPayload = (payload: unknown): string => forge(segment(HS256), segment(payload));

const GOOD = forge(segment(HS256));
const [GOOD_HEADER, GOOD_PAYLOAD, GOOD_SIGNATURE] = GOOD.split('.') as [string, string, string];
const unsigned = `${GOOD_HEADER}.${GOOD_PAYLOAD}`;

/** `'verified'`, or the message of the TokenError thrown; any other error fails the test. */
function outcome(token: unknown, codec = jwt): string {
  try {
    codec.verify(token);
    return 'verified';
  } catch (error) {
    if (error instanceof TokenError) return error.tokenMessage;
    throw error;
  }
}

/** A signed token of exactly `length` characters: the payload is padded with a filler claim. */
function tokenOfLength(length: number): string {
  const headerSegment = segment(HS256);
  const payloadChars = length - headerSegment.length - 43 - 2;
  const payloadBytes = Math.floor((payloadChars * 3) / 4);
  const fill = 'x'.repeat(payloadBytes - '{"p":""}'.length);
  const token = forge(headerSegment, segment({ p: fill }));
  if (token.length !== length) throw new Error(`made ${token.length} characters, not ${length}`);
  return token;
}

/** `{"a":[[[…]]]}` nested `depth` deep. */
const nested = (depth: number): string => `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;

const INVALID = 'Token is invalid';

describe('the codec of one HS256 key.verify refuses hostile tokens with exactly "Token is invalid"', () => {
  const rows: Array<[string, unknown]> = [
    // The algorithm is ours, never the token's.
    ...['none', 'None', 'NONE', 'nOnE'].flatMap((alg): Array<[string, unknown]> => [
      [`alg "${alg}" without a signature`, `${segment({ alg, typ: 'JWT' })}.${GOOD_PAYLOAD}.`],
      [`alg "${alg}" without the last dot`, `${segment({ alg, typ: 'JWT' })}.${GOOD_PAYLOAD}`],
      [`alg "${alg}" with an HS256 signature valid for the real key`, withHeader({ alg, typ: 'JWT' })],
    ]),
    ['no alg', withHeader({ typ: 'JWT' })],
    ['an empty header object', withHeader({})],
    ['alg as a number', withHeader({ alg: 256, typ: 'JWT' })],
    ['alg null', withHeader({ alg: null, typ: 'JWT' })],
    ['alg as an array', withHeader({ alg: ['HS256'], typ: 'JWT' })],
    ['alg as an object', withHeader({ alg: { name: 'HS256' }, typ: 'JWT' })],
    ['alg in lower case', withHeader({ alg: 'hs256', typ: 'JWT' })],
    ['alg with a trailing space', withHeader({ alg: 'HS256 ', typ: 'JWT' })],
    ['alg HS384 signed with the real key', forge(segment({ alg: 'HS384', typ: 'JWT' }), undefined, KEY, 'sha384')],
    ['alg HS512 signed with the real key', forge(segment({ alg: 'HS512', typ: 'JWT' }), undefined, KEY, 'sha512')],
    ['alg HS384 with an HS256 signature of the real key', withHeader({ alg: 'HS384', typ: 'JWT' })],
    ['alg HS256 with an HS512 signature of the real key', forge(segment(HS256), undefined, KEY, 'sha512')],
    ['alg RS256 with an HMAC of the real key (key confusion)', withHeader({ alg: 'RS256', typ: 'JWT' })],
    ['alg ES256 with an HMAC of the real key', withHeader({ alg: 'ES256', typ: 'JWT' })],
    ['alg PS256 with an HMAC of the real key', withHeader({ alg: 'PS256', typ: 'JWT' })],
    ['alg EdDSA with an HMAC of the real key', withHeader({ alg: 'EdDSA', typ: 'JWT' })],
    // typ, when present, is "JWT".
    ['typ "jwt"', withHeader({ alg: 'HS256', typ: 'jwt' })],
    ['typ "JWS"', withHeader({ alg: 'HS256', typ: 'JWS' })],
    ['typ "at+jwt"', withHeader({ alg: 'HS256', typ: 'at+jwt' })],
    ['typ ""', withHeader({ alg: 'HS256', typ: '' })],
    ['typ null', withHeader({ alg: 'HS256', typ: null })],
    ['typ as a number', withHeader({ alg: 'HS256', typ: 1 })],
    // kid, when present, is a string of at most 256 characters.
    ['kid as a number', withHeader({ ...HS256, kid: 1 })],
    ['kid null', withHeader({ ...HS256, kid: null })],
    ['kid as an object', withHeader({ ...HS256, kid: { id: 'k' } })],
    ['kid as an array', withHeader({ ...HS256, kid: ['k'] })],
    ['kid of 257 characters', withHeader({ ...HS256, kid: 'k'.repeat(257) })],
    // A kid names a key tessera holds, or the token is refused (any kid used to pass).
    ['a kid naming no key', withHeader({ ...HS256, kid: 'key-2026' })],
    ['a kid of exactly 256 characters naming no key', withHeader({ ...HS256, kid: 'k'.repeat(256) })],
    // Header members beyond alg, typ and kid.
    ['jku', withHeader({ ...HS256, jku: 'https://attacker.example/jwks.json' })],
    ['x5u', withHeader({ ...HS256, x5u: 'https://attacker.example/cert.pem' })],
    ['x5c', withHeader({ ...HS256, x5c: ['MIIB'] })],
    ['jwk', withHeader({ ...HS256, jwk: { kty: 'oct', k: b64url('attacker') } })],
    ['crit', withHeader({ ...HS256, crit: ['b64'] })],
    ['b64 false', withHeader({ ...HS256, b64: false })],
    ['zip', withHeader({ ...HS256, zip: 'DEF' })],
    ['enc', withHeader({ ...HS256, enc: 'A128GCM' })],
    ['cty', withHeader({ ...HS256, cty: 'JWT' })],
    ['__proto__', forge(b64url('{"alg":"HS256","typ":"JWT","__proto__":{"kid":"x"}}'))],
    // The header is a JSON object.
    ['a header that is an array', withHeader(['HS256'])],
    ['a header that is a string', withHeader('HS256')],
    ['a header that is a number', withHeader(256)],
    ['a header that is null', withHeader(null)],
    ['a header that is true', withHeader(true)],
    ['a header that is not JSON', forge(b64url('alg=HS256'))],
    ['a header that is truncated JSON', forge(b64url('{"alg":"HS256"'))],
    ['a header with a byte-order mark', forge(b64url('\ufeff{"alg":"HS256","typ":"JWT"}'))],
    [
      'a header with invalid UTF-8',
      forge(b64url(Buffer.concat([Buffer.from('{"alg":"HS256","kid":"'), Buffer.from([0xff]), Buffer.from('"}')]))),
    ],
    // The payload is a JSON object of UTF-8 text.
    ['a payload that is an array', withPayload([CLAIMS])],
    ['a payload that is a string', withPayload('alice')],
    ['a payload that is a number', withPayload(1)],
    ['a payload that is null', withPayload(null)],
    ['a payload that is true', withPayload(true)],
    ['a payload that is not JSON', forge(segment(HS256), b64url('user_id=1'))],
    ['a payload that is nested beyond the size cap', forge(segment(HS256), b64url(nested(4000)))],
    [
      'a payload with invalid UTF-8',
      forge(
        segment(HS256),
        b64url(Buffer.concat([Buffer.from('{"username":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])),
      ),
    ],
    [
      'a payload with a lone continuation byte',
      forge(
        segment(HS256),
        b64url(Buffer.concat([Buffer.from('{"username":"'), Buffer.from([0x80]), Buffer.from('"}')])),
      ),
    ],
    ['a payload segment 1 longer than a multiple of 4', forge(segment(HS256), `${b64url('{"a":123}')}A`)],
    // The signature is the real key's, over exactly this header and payload, spelled canonically.
    ['a stripped signature', `${unsigned}.`],
    ['no signature segment', unsigned],
    ['a truncated signature', `${unsigned}.${GOOD_SIGNATURE.slice(0, -1)}`],
    ['a half signature', `${unsigned}.${GOOD_SIGNATURE.slice(0, 22)}`],
    ['an extended signature', `${unsigned}.${GOOD_SIGNATURE}A`],
    ['a signature with its first character altered', `${unsigned}.${flip(GOOD_SIGNATURE, 0)}`],
    ['a signature with its last character altered', `${unsigned}.${flip(GOOD_SIGNATURE, 42)}`],
    [
      'a signature whose last character differs only in the unused bits',
      `${unsigned}.${GOOD_SIGNATURE.slice(0, 42)}${String.fromCharCode(GOOD_SIGNATURE.charCodeAt(42) + 1)}`,
    ],
    ['a signature in standard base64', `${unsigned}.${Buffer.from(GOOD_SIGNATURE, 'base64url').toString('base64')}`],
    ['the signature of another key', forge(segment(HS256), undefined, 'another-key-that-is-also-long-enough-0123')],
    ['a signature made with the key "secret"', forge(segment(HS256), undefined, 'secret')],
    ['a signature made with the key "your-256-bit-secret"', forge(segment(HS256), undefined, 'your-256-bit-secret')],
    ['a signature made with an empty key', forge(segment(HS256), undefined, '')],
    [
      'the signature of another payload',
      `${GOOD_HEADER}.${withPayload({ ...CLAIMS, user_id: '2' }).split('.')[1]}.${GOOD_SIGNATURE}`,
    ],
    ['the signature of another header', `${segment({ typ: 'JWT', alg: 'HS256' })}.${GOOD_PAYLOAD}.${GOOD_SIGNATURE}`],
    // Compact serialization: three non-empty base64url segments, nothing else.
    ['an empty string', ''],
    ['one segment', GOOD_HEADER],
    ['two segments', `${GOOD_HEADER}.${GOOD_PAYLOAD}`],
    ['four segments', `${GOOD}.${GOOD_SIGNATURE}`],
    ['four segments with an empty last one', `${GOOD}.`],
    ['five segments (JWE)', `${GOOD_HEADER}.${GOOD_PAYLOAD}.${GOOD_SIGNATURE}.${GOOD_PAYLOAD}.${GOOD_SIGNATURE}`],
    ['only dots', '..'],
    ['an empty header segment', `.${GOOD_PAYLOAD}.${GOOD_SIGNATURE}`],
    ['an empty payload segment', forge(segment(HS256), '')],
    ['"+" in a segment', forge(segment(HS256), `${GOOD_PAYLOAD.slice(0, -4)}+${GOOD_PAYLOAD.slice(-3)}`)],
    ['"/" in a segment', forge(segment(HS256), `${GOOD_PAYLOAD.slice(0, -4)}/${GOOD_PAYLOAD.slice(-3)}`)],
    ['"=" padding on the payload', forge(segment(HS256), `${segment({ a: 1 })}==`)],
    ['"=" padding on the signature', `${GOOD}=`],
    ['a space inside the payload', forge(segment(HS256), `${GOOD_PAYLOAD.slice(0, 4)} ${GOOD_PAYLOAD.slice(4)}`)],
    ['a leading space', ` ${GOOD}`],
    ['a trailing space', `${GOOD} `],
    ['a trailing newline', `${GOOD}\n`],
    ['a tab between segments', `${GOOD_HEADER}.\t${GOOD_PAYLOAD}.${GOOD_SIGNATURE}`],
    ['a non-ASCII letter in the payload', forge(segment(HS256), `${GOOD_PAYLOAD}é`)],
    ['a zero-width space', `${GOOD_HEADER}\u200b.${GOOD_PAYLOAD}.${GOOD_SIGNATURE}`],
    ['full-width letters', `${GOOD_HEADER}.${GOOD_PAYLOAD}.${GOOD_SIGNATURE.slice(0, 42)}\uff21`],
    ['a validly signed token one character over the cap', tokenOfLength(MAX_TOKEN_LENGTH + 1)],
    ['a megabyte of garbage', 'a'.repeat(1 << 20)],
    // Only a string can be a token.
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['NaN', Number.NaN],
    ['true', true],
    ['a plain object', { token: GOOD }],
    ['an array of the segments', GOOD.split('.')],
    ['a Buffer of a good token', Buffer.from(GOOD)],
    ['a String object of a good token', new String(GOOD)],
    ['a symbol', Symbol(GOOD)],
  ];

  it.each(rows)('%s', (_name, token) => {
    expect(outcome(token)).toBe(INVALID);
  });
});

describe('the codec of one HS256 key.verify accepts well-formed HS256 tokens of its key', () => {
  const rows: Array<[string, string]> = [
    ['a header of alg and typ', GOOD],
    ['a header of alg only', withHeader({ alg: 'HS256' })],
    ['a header with its members in another order', withHeader({ typ: 'JWT', alg: 'HS256' })],
    ['the kid of its key', withHeader({ ...HS256, kid: TEST_KID })],
    ['no kid (issued before keys had ids, or by SimpleJWT), while its HS256 key is current', GOOD],
    ['a header with white space in its JSON', forge(b64url('{ "alg" : "HS256" , "typ" : "JWT" }'))],
    ['a token of exactly 4096 characters', tokenOfLength(MAX_TOKEN_LENGTH)],
    // Nesting is not the codec's business as long as the token fits the cap.
    ['a payload nested 1,000 arrays deep', forge(segment(HS256), b64url(nested(1000)))],
  ];

  it.each(rows)('%s', (_name, token) => {
    expect(outcome(token)).toBe('verified');
  });

  it('returns the claims of a hand-signed token exactly', () => {
    expect(jwt.verify(GOOD)).toEqual(CLAIMS);
  });

  it('round-trips the claims it signed, in their key order, under the header {"alg":"HS256","typ":"JWT","kid":…}', () => {
    const claims = {
      username: 'Zoë 🚀',
      iat: 1_767_225_600,
      token_type: 'refresh',
      permissions: ['blog.add_post', 'blog.change_post'],
      is_staff: false,
      exp: 1_767_312_000,
      nested: { z: 1, a: [null, true, 'x'] },
      jti: '0123456789abcdef0123456789abcdef',
    };
    const token = jwt.sign(claims);
    const verified = jwt.verify(token);
    expect(verified).toEqual(claims);
    expect(Object.keys(verified)).toEqual(Object.keys(claims));
    expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'))).toEqual({
      ...HS256,
      kid: TEST_KID,
    });
  });

  it('signs the same claims to the same token, which a codec of the same key verifies', () => {
    const token = jwt.sign(CLAIMS);
    expect(token).toBe(withHeader({ ...HS256, kid: TEST_KID }));
    expect(hs256Codec(KEY).verify(token)).toEqual(CLAIMS);
  });
});

describe('createJwtCodec keys', () => {
  it('refuses an empty secret key with a TypeError when the key is made', () => {
    expect(() => hs256Codec('')).toThrow(new TypeError('createVerifyingKey needs a non-empty key.'));
  });

  it.each(['secret', 'your-256-bit-secret', 'another-key-that-is-also-long-enough-0123'])(
    'a codec keyed with "%s" does not verify our tokens',
    (weakKey) => {
      expect(outcome(jwt.sign(CLAIMS), hs256Codec(weakKey))).toBe(INVALID);
    },
  );

  it('keys by the UTF-8 bytes of the secret', () => {
    const key = 'clé-secrète-ünïcode-that-is-long-enough';
    expect(hs256Codec(key).verify(forge(segment(HS256), undefined, key))).toEqual(CLAIMS);
  });
});

/** `text` with the character at `index` replaced by one whose significant bits differ. */
function flip(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'Q' : 'A';
  return `${text.slice(0, index)}${replacement}${text.slice(index + 1)}`;
}

describe('remembered verifications', () => {
  it('answers a verified token again with the same frozen claims', () => {
    const codec = hs256Codec(KEY);
    const token = codec.sign(CLAIMS);
    const first = codec.verify(token);
    expect(codec.verify(token)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('refuses another payload under a remembered signature: a hit must be the whole token', () => {
    const codec = hs256Codec(KEY);
    const token = codec.sign(CLAIMS);
    const first = codec.verify(token);
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const other = codec.sign({ ...CLAIMS, user_id: 'someone-else' });
    const grafted = `${other.slice(0, other.lastIndexOf('.'))}.${signature}`;
    expect(grafted).not.toBe(token);
    for (let i = 0; i < 3; i++) expect(() => codec.verify(grafted)).toThrow(TokenError);
    expect(codec.verify(token)).toBe(first);
  });

  it('never remembers a token that failed, however often it is sent', () => {
    const codec = hs256Codec(KEY);
    const token = codec.sign(CLAIMS);
    const altered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'AE' : 'AA'}`;
    for (let i = 0; i < 3; i++) expect(() => codec.verify(altered)).toThrow(TokenError);
    expect(codec.verify(token)).toEqual(CLAIMS);
  });

  it('does not remember refresh tokens, which are presented once, so they never evict access tokens', () => {
    const codec = hs256Codec(KEY);
    const accessToken = codec.sign({ ...CLAIMS, token_type: 'access' });
    const remembered = codec.verify(accessToken);
    const refreshToken = codec.sign({ ...CLAIMS, token_type: 'refresh' });
    const refresh = codec.verify(refreshToken);
    expect(codec.verify(refreshToken)).not.toBe(refresh);
    expect(codec.verify(refreshToken)).toEqual(refresh);
    // More refresh tokens than the cache holds (4096): the access token stays remembered.
    for (let i = 0; i < 4200; i++) codec.verify(codec.sign({ ...CLAIMS, token_type: 'refresh', jti: `r${i}` }));
    expect(codec.verify(accessToken)).toBe(remembered);
  });

  it('does not carry a verification over to another key', () => {
    const token = hs256Codec(KEY).sign(CLAIMS);
    const other = hs256Codec('another-signing-key-of-this-suite-0123456789');
    expect(() => other.verify(token)).toThrow(TokenError);
  });
});
