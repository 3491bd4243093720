import { describe, expect, it } from 'vitest';
import { DUMMY_HASH, createArgon2idHasher } from '../../src/passwords/argon2.js';
import { MAX_PASSWORD_BYTES, isHashablePassword } from '../../src/passwords/hasher.js';
import { FAST_DUMMY_HASH, fastHasher } from '../support/hasher.js';

const hasher = createArgon2idHasher();
const PASSWORD = 'correct horse battery staple';

describe('createArgon2idHasher', () => {
  it('hashes to a PHC string of argon2id, version 19, m=19456, t=2, p=1, with a 16-byte salt and 32-byte hash', async () => {
    const encoded = await hasher.hash(PASSWORD);
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hasher.hash(PASSWORD), hasher.hash(PASSWORD)]);
    expect(a).not.toBe(b);
    expect(await Promise.all([hasher.verify(a, PASSWORD), hasher.verify(b, PASSWORD)])).toEqual([true, true]);
  });

  it.each<[string, string, boolean]>([
    ['the same password', PASSWORD, true],
    ['another password', 'Tr0ub4dor&3', false],
    ['the password in another case', PASSWORD.toUpperCase(), false],
    ['the password with a trailing space', `${PASSWORD} `, false],
    ['an empty password', '', false],
  ])('verify with %s → %s', async (_name, candidate, expected) => {
    const encoded = await hasher.hash(PASSWORD);
    expect(await hasher.verify(encoded, candidate)).toBe(expected);
  });

  it('verifies multi-byte passwords by their UTF-8 bytes', async () => {
    const encoded = await hasher.hash('pässwörd 🔑');
    expect(await hasher.verify(encoded, 'pässwörd 🔑')).toBe(true);
    // The same letters, decomposed (a + combining diaeresis), are other bytes.
    expect(await hasher.verify(encoded, 'pa\u0308sswo\u0308rd 🔑')).toBe(false);
  });

  it.each([
    ['!', '!'],
    ['an empty string', ''],
    ['a Django unusable password', '!a9f8Kq2NrVbLxZ0cTy5uWmE3hJ7sDg1oPiQ4eRlC'],
    ['garbage', 'not a hash'],
    ['a PBKDF2 hash', 'pbkdf2_sha256$600000$salt$aGFzaA=='],
    ['a truncated argon2id hash', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0'],
    ['an argon2id prefix with garbage', '$argon2id$garbage'],
    ['argon2id with absurd parameters', '$argon2id$v=19$m=0,t=0,p=0$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA'],
    ['an unknown argon2 variant', '$argon2x$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA'],
  ])('verify against %s resolves false, never throws', async (_name, encoded) => {
    await expect(hasher.verify(encoded, PASSWORD)).resolves.toBe(false);
  });

  it.each(['', PASSWORD, 'x'.repeat(MAX_PASSWORD_BYTES)])(
    'verifyDummy resolves false (password of %#)',
    async (password) => {
      await expect(hasher.verifyDummy(password)).resolves.toBe(false);
    },
  );
});

describe('isHashablePassword', () => {
  it.each<[string, string, boolean]>([
    ['an empty password', '', true],
    ['1024 ASCII characters', 'a'.repeat(1024), true],
    ['1025 ASCII characters', 'a'.repeat(1025), false],
    ['512 two-byte characters (1024 bytes)', 'é'.repeat(512), true],
    ['513 two-byte characters (1026 bytes)', 'é'.repeat(513), false],
    ['341 three-byte characters and one ASCII (1024 bytes)', `${'€'.repeat(341)}a`, true],
    ['342 three-byte characters (1026 bytes)', '€'.repeat(342), false],
    ['256 four-byte characters (1024 bytes)', '🔑'.repeat(256), true],
    ['257 four-byte characters (1028 bytes, 514 UTF-16 units)', '🔑'.repeat(257), false],
    ['1023 ASCII and one two-byte character (1025 bytes)', `${'a'.repeat(1023)}é`, false],
  ])('%s → %s', (_name, password, expected) => {
    expect(isHashablePassword(password)).toBe(expected);
  });
});

describe('DUMMY_HASH', () => {
  it('has the parameters real hashes get, so an unknown user costs a real verify', async () => {
    const { parseOptions } = await import('@node-rs/argon2');
    const dummy = parseOptions(DUMMY_HASH);
    const real = parseOptions(await createArgon2idHasher().hash('any password'));
    expect([dummy.algorithm, dummy.memoryCost, dummy.timeCost, dummy.parallelism]).toEqual([
      real.algorithm,
      real.memoryCost,
      real.timeCost,
      real.parallelism,
    ]);
  });
});

describe('the test suites’ fast hasher', () => {
  it('hashes argon2id at the smallest parameters, its dummy hash alike, and verifies only the right password', async () => {
    const { parseOptions } = await import('@node-rs/argon2');
    const encoded = await fastHasher.hash(PASSWORD);
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=8,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const dummy = parseOptions(FAST_DUMMY_HASH);
    expect([dummy.algorithm, dummy.memoryCost, dummy.timeCost, dummy.parallelism]).toEqual([2, 8, 1, 1]);
    expect(await fastHasher.verify(encoded, PASSWORD)).toBe(true);
    expect(await fastHasher.verify(encoded, `${PASSWORD} `)).toBe(false);
    expect(await fastHasher.verify('!unusable', PASSWORD)).toBe(false);
    expect(await fastHasher.verifyDummy(PASSWORD)).toBe(false);
  });
});
