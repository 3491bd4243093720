/**
 * A failed login must not tell an unknown user from a wrong password or an
 * inactive account: not by status, headers or body, and not by time. With
 * real argon2id, every failure costs one verify (unknown users verify against
 * a dummy hash). This is the suite's one timing test, because a difference in
 * time is the one leak no body assertion can catch: kinds are interleaved round
 * by round, in a changing order, after a warm-up, and compared by median, so
 * that a noisy machine slows all alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArgon2idHasher } from '../../src/passwords/argon2.js';
import { observable, uniformAnswerTimes } from '../support/interleaved-timing.js';
import { createTestServer, type TestServer } from '../support/server.js';

const WARM_UP_ROUNDS = 20;
const ROUNDS = 200;
const MAX_MEDIAN_RATIO = 1.1;

const KINDS = {
  'an unknown user': { username: 'nobody', password: 'alice in wonderland' },
  'a wrong password': { username: 'alice', password: 'alice in borderland' },
  'an inactive user with the right password': { username: 'bob', password: 'bob the builder' },
  // A Django account without a usable password: its hash is no argon2id hash at all.
  'a user whose password is unusable': { username: 'dave', password: 'alice in wonderland' },
} as const;
type Kind = keyof typeof KINDS;
const KIND_NAMES = Object.keys(KINDS) as Kind[];

describe('POST /api/token/ fails alike for an unknown user, a wrong password and an inactive user', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The production hasher: its cost is what must not differ.
    server = await createTestServer({}, { hasher: createArgon2idHasher() });
    await server.createUser('alice', 'alice in wonderland');
    await server.createUser('bob', 'bob the builder', { isActive: false });
    await server.createUser('dave', 'unused', { passwordHash: '!Xq3VbN0cTy5uWmE3hJ7sDg1oPiQ4eRlCa9f8Kq2' });
  });
  afterAll(() => server.close());

  const attempt = (kind: Kind | 'a password over 1024 bytes') =>
    server.post(
      '/api/token/',
      kind === 'a password over 1024 bytes' ? { username: 'alice', password: 'x'.repeat(1025) } : KINDS[kind],
    );

  it('with byte-identical answers: status, headers but Date, and body', async () => {
    const answers = await Promise.all([...KIND_NAMES, 'a password over 1024 bytes' as const].map(attempt));
    const [first, ...others] = answers.map(observable);
    expect(first).toMatchObject({
      status: 401,
      body: Buffer.from('{"detail":"No active account found with the given credentials"}').toString('base64'),
    });
    for (const other of others) expect(other).toEqual(first);
  });

  it(
    `in times whose medians over ${ROUNDS} interleaved rounds are within ${Math.round((MAX_MEDIAN_RATIO - 1) * 100)}%`,
    { timeout: 90_000 },
    async () => {
      const { medians, ratio } = await uniformAnswerTimes(KIND_NAMES, {
        warmUp: WARM_UP_ROUNDS,
        rounds: ROUNDS,
        reference: 'an unknown user',
        send: attempt,
      });
      expect({ medians, withinBound: ratio <= MAX_MEDIAN_RATIO }).toEqual({ medians, withinBound: true });
      // The failures really do cost a hash: argon2id with 19 MiB takes milliseconds, a lookup does not.
      expect(Math.min(...Object.values(medians))).toBeGreaterThan(1);
    },
  );
});
