/**
 * Django's hashes, checked natively. Vectors: Django's own published test
 * vectors (tests/auth_tests/test_hashers.py), and django/vectors.json, made by
 * Django 3.2's make_password at small work factors (django/generate-vectors.py;
 * scrypt, which Django 3.2 lacks, made as Django 4.0+ makes it).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/passwords/password-hasher.js';
import { fastHasher } from '../support/hasher.js';

const hasher = createPasswordHasher({ argon2id: fastHasher, floorIterations: 0 });

/** From Django's test_hashers.py: [encoded, the password it was made from]. */
const DJANGO_PUBLISHED: Array<[string, string]> = [
  ['pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=', 'lètmein'],
  ['pbkdf2_sha256$390000$seasalt2$geC/uZ92nRXDSjSxeoiBqYyRcrLzMm8xK3ro1QS1uo8=', 'lètmein'],
  ['pbkdf2_sha1$390000$seasalt2$aDapRanzW8aHTz97v2TcfHzWD+I=', 'lètmein'],
  ['sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8', 'lètmein'],
  ['md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3', 'lètmein'],
  ['88a434c88cca4e900f7874cd98123f43', 'lètmein'],
  ['md5$$88a434c88cca4e900f7874cd98123f43', 'lètmein'],
  ['sha1$$6d138ca3ae545631b3abd71a4f076ce759c5700b', 'lètmein'],
  [
    'argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg',
    'secret',
  ],
  ['argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q', 'secret'],
  ['argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw', 'secret'],
  [
    'scrypt$16384$seasalt$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw==',
    'lètmein',
  ],
];

interface Vector {
  algorithm: string;
  password: string;
  encoded: string;
}
const generated = (
  JSON.parse(readFileSync(new URL('django/vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }
).vectors;

describe("tessera's hasher with Django's hashes", () => {
  it.each(DJANGO_PUBLISHED)('verifies Django’s published %s with its password only', async (encoded, password) => {
    expect(await hasher.verify(encoded, password)).toBe(true);
    expect(await hasher.verify(encoded, `${password}z`)).toBe(false);
    expect(await hasher.verify(encoded, '')).toBe(false);
    expect(hasher.needsUpgrade(encoded)).toBe(true);
  });

  it('refuses a bare SHA-1 digest, which Django does not read as a hash', async () => {
    expect(await hasher.verify('6d138ca3ae545631b3abd71a4f076ce759c5700b', 'lètmein')).toBe(false);
  });

  it.each(generated.map((v) => [v.algorithm, v.password, v.encoded] as const))(
    'verifies %s made by Django’s make_password from %j',
    async (_algorithm, password, encoded) => {
      expect(await hasher.verify(encoded, password)).toBe(true);
      expect(await hasher.verify(encoded, `z${password}`)).toBe(false);
      expect(hasher.needsUpgrade(encoded)).toBe(true);
    },
  );

  it('has generated vectors for every format tessera reads', () => {
    expect([...new Set(generated.map((v) => v.algorithm))].sort()).toEqual([
      'argon2',
      'bcrypt',
      'bcrypt_sha256',
      'md5',
      'pbkdf2_sha1',
      'pbkdf2_sha256',
      'scrypt',
      'sha1',
      'unsalted_md5',
    ]);
  });

  it('keeps a long password whole with bcrypt_sha256, and reads 72 bytes of it with bcrypt, as Django does', async () => {
    const long = (algorithm: string) => generated.find((v) => v.algorithm === algorithm && v.password.length > 72)!;
    const sha256 = long('bcrypt_sha256');
    const plain = long('bcrypt');
    expect(await hasher.verify(sha256.encoded, sha256.password.slice(0, 72))).toBe(false);
    expect(await hasher.verify(plain.encoded, plain.password.slice(0, 72))).toBe(true);
  });

  it('never logs in with a lone surrogate, which Django cannot encode and Node would write as U+FFFD', async () => {
    const lossy = `md5$salt$${createHash('md5').update('salt\ufffd').digest('hex')}`;
    expect(await hasher.verify(lossy, '\ufffd')).toBe(true);
    expect(await hasher.verify(lossy, '\ud800')).toBe(false);
  });

  it('writes argon2id only, which needs no upgrade', async () => {
    const encoded = await hasher.hash('lètmein');
    expect(encoded).toMatch(/^\$argon2id\$/);
    expect(hasher.needsUpgrade(encoded)).toBe(false);
    expect(await hasher.verify(encoded, 'lètmein')).toBe(true);
  });
});
