/**
 * Damaged and hostile Django hashes: each is refused at once (false, no
 * upgrade), never with an error and never after the work it asks for.
 */
import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/passwords/password-hasher.js';
import { fastHasher } from '../support/hasher.js';

const hasher = createPasswordHasher({ argon2id: fastHasher, floorIterations: 0 });

const KEY32 = 'QZiWPCYzS1PZKqgtjrMjAQhhzg7utWRqE1kA1wfbPgs=';
const KEY64 = 'Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw==';
const BCRYPT_TAIL = 'tdVcjM50Z8FE/lOlGUF6penNXCDJpZ5FFNmLEP.RcNCArp037t7fS';
const ARGON_TAIL = 'Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw';

const HOSTILE: Array<[string, string]> = [
  ['empty', ''],
  ['unusable', '!Xq3VbN0cTy5uWmE3hJ7sDg1oPiQ4eRlCa9f8Kq2'],
  ['unknown algorithm', 'lolcat$salt$hash'],
  ['algorithm only', 'pbkdf2_sha256'],
  ['algorithm and a dollar', 'pbkdf2_sha256$'],
  ['longer than any Django column', `md5$${'s'.repeat(300)}$3f86d0d3d465b7b458c231bf3555c0e3`],
  ['a megabyte', `pbkdf2_sha256$1000$${'s'.repeat(1_000_000)}$${KEY32}`],
  ['pbkdf2 iterations past 10M', `pbkdf2_sha256$10000001$salt$${KEY32}`],
  ['pbkdf2 iterations past 2^53', `pbkdf2_sha256$99999999999999999999$salt$${KEY32}`],
  ['pbkdf2 zero iterations', `pbkdf2_sha256$0$salt$${KEY32}`],
  ['pbkdf2 negative iterations', `pbkdf2_sha256$-1$salt$${KEY32}`],
  ['pbkdf2 leading zero', `pbkdf2_sha256$01000$salt$${KEY32}`],
  ['pbkdf2 exponent', `pbkdf2_sha256$1e6$salt$${KEY32}`],
  ['pbkdf2 empty salt', `pbkdf2_sha256$1000$$${KEY32}`],
  ['pbkdf2 bad base64', 'pbkdf2_sha256$1000$salt$!!!!QZiWPCYzS1PZKqgtjrMjAQhhzg7utWRqE1kA1w=='],
  ['pbkdf2 non-canonical base64', 'pbkdf2_sha256$1000$salt$QZiWPCYzS1PZKqgtjrMjAQhhzg7utWRqE1kA1wfbPgt='],
  ['pbkdf2 truncated key', 'pbkdf2_sha256$1000$salt$QZiWPCYzS1PZKqgtjrMjAQhhzg7utWRqE1kA1wfb'],
  ['pbkdf2_sha1 with a sha256-sized key', `pbkdf2_sha1$1000$salt$${KEY32}`],
  ['pbkdf2 missing key', 'pbkdf2_sha256$1000$salt'],
  ['pbkdf2 extra field', `pbkdf2_sha256$1000$salt$${KEY32}$more`],
  ['md5 uppercase hex', 'md5$seasalt$3F86D0D3D465B7B458C231BF3555C0E3'],
  ['md5 short hex', 'md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e'],
  ['md5 not hex', 'md5$seasalt$3f86d0d3d465b7b458c231bf3555c0eg'],
  ['sha1 md5-sized', 'sha1$seasalt$3f86d0d3d465b7b458c231bf3555c0e3'],
  ['bare hex of 31', '88a434c88cca4e900f7874cd98123f4'],
  ['argon2 1 GiB', `argon2$argon2id$v=19$m=1048576,t=1,p=1$${ARGON_TAIL}`],
  ['argon2 256 MiB × 8 passes', `argon2$argon2id$v=19$m=262144,t=8,p=1$${ARGON_TAIL}`],
  ['argon2 100 passes', `argon2$argon2id$v=19$m=64,t=100,p=1$${ARGON_TAIL}`],
  ['argon2 64 lanes', `argon2$argon2id$v=19$m=65536,t=1,p=64$${ARGON_TAIL}`],
  ['argon2 memory under 8 KiB a lane', `argon2$argon2id$v=19$m=8,t=1,p=2$${ARGON_TAIL}`],
  ['argon2d', `argon2$argon2d$v=19$m=64,t=1,p=1$${ARGON_TAIL}`],
  ['argon2 unknown version', `argon2$argon2id$v=20$m=64,t=1,p=1$${ARGON_TAIL}`],
  ['argon2 parameters reordered', `argon2$argon2id$v=19$t=1,m=64,p=1$${ARGON_TAIL}`],
  ['argon2 salt not base64', 'argon2$argon2id$v=19$m=64,t=1,p=1$Y04*dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw'],
  ['argon2 salt under 8 bytes', 'argon2$argon2id$v=19$m=64,t=1,p=1$c2FsdA$TMa6A8fPJhCAUXRhJXCXdw'],
  ['argon2 missing hash', 'argon2$argon2id$v=19$m=64,t=1,p=1$Y041dExhNkljRUUy'],
  ['bcrypt cost 31', `bcrypt$$2b$31$${BCRYPT_TAIL}`],
  ['bcrypt cost 15', `bcrypt_sha256$$2b$15$${BCRYPT_TAIL}`],
  ['bcrypt cost 3', `bcrypt$$2b$03$${BCRYPT_TAIL}`],
  ['bcrypt unknown version', `bcrypt$$2z$04$${BCRYPT_TAIL}`],
  ['bcrypt truncated', `bcrypt$$2b$04$${BCRYPT_TAIL.slice(0, 40)}`],
  ['bcrypt with no inner hash', 'bcrypt$'],
  ['scrypt N = 2^20', `scrypt$1048576$salt$8$1$${KEY64}`],
  ['scrypt N not a power of two', `scrypt$16383$salt$8$1$${KEY64}`],
  ['scrypt r = 0', `scrypt$16384$salt$0$1$${KEY64}`],
  ['scrypt p = 100', `scrypt$16384$salt$8$100$${KEY64}`],
  ['scrypt N·r·p past 2^21', `scrypt$131072$salt$16$2$${KEY64}`],
  ['scrypt short key', `scrypt$16384$salt$8$1$${KEY32}`],
  ['scrypt missing p', `scrypt$16384$salt$8$${KEY64}`],
];

describe('Django hashes that are damaged or hostile', () => {
  it.each(HOSTILE)('%s: refused within 500 ms, no upgrade', { timeout: 5_000 }, async (_name, encoded) => {
    const started = performance.now();
    expect(await hasher.verify(encoded, 'lètmein')).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
    expect(hasher.needsUpgrade(encoded)).toBe(false);
  });

  it('accepts the bounds themselves, unrun', () => {
    for (const encoded of [
      `pbkdf2_sha256$10000000$salt$${KEY32}`,
      `argon2$argon2id$v=19$m=262144,t=4,p=16$${ARGON_TAIL}`,
      `bcrypt$$2b$14$${BCRYPT_TAIL}`,
      `scrypt$131072$salt$16$1$${KEY64}`,
    ]) {
      expect(hasher.needsUpgrade(encoded)).toBe(true);
    }
  });
});
