/**
 * A Django user with a wrong password must cost what an unknown user does.
 * A pbkdf2 check at Django's iterations is far dearer than argon2id, so the
 * hasher holds every answer to a floor measured from that check; this test
 * compares medians of interleaved rounds, as login-uniformity.test.ts does,
 * with the floor and the user's hash at 100,000 iterations (Django's default
 * is 1,000,000: the relation, not the size, is what is tested, in less time).
 */
import { pbkdf2Sync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArgon2idHasher } from '../../src/passwords/argon2.js';
import { createPasswordHasher } from '../../src/passwords/password-hasher.js';
import { medianTimesMs } from '../support/interleaved-timing.js';
import { createTestServer, type TestServer } from '../support/server.js';

const ITERATIONS = 100_000;
const WARM_UP_ROUNDS = 6;
const ROUNDS = 50;
const MAX_MEDIAN_RATIO = 1.1;

const djangoPbkdf2 = (password: string, salt: string) =>
  `pbkdf2_sha256$${ITERATIONS}$${salt}$${pbkdf2Sync(password, salt, ITERATIONS, 32, 'sha256').toString('base64')}`;

const KINDS = {
  'an unknown user': { username: 'nobody', password: 'alice in wonderland' },
  'a Django pbkdf2 user with a wrong password': { username: 'carol', password: 'alice in wonderland' },
  'an argon2id user with a wrong password': { username: 'alice', password: 'alice in borderland' },
} as const;
type Kind = keyof typeof KINDS;
const KIND_NAMES = Object.keys(KINDS) as Kind[];

describe('POST /api/token/ fails in the same time for an unknown user and a Django user', () => {
  let server: TestServer;
  beforeAll(async () => {
    const hasher = createPasswordHasher({ argon2id: createArgon2idHasher(), floorIterations: ITERATIONS });
    server = await createTestServer({}, { hasher });
    await server.createUser('alice', 'alice in wonderland');
    await server.createUser('carol', 'unused', { passwordHash: djangoPbkdf2('carol in wonderland', 'Tq9dW2xLkV0s') });
  });
  afterAll(() => server.close());

  it(
    `in times whose medians over ${ROUNDS} interleaved rounds are within ${Math.round((MAX_MEDIAN_RATIO - 1) * 100)}%`,
    { timeout: 120_000 },
    async () => {
      const medians = await medianTimesMs(KIND_NAMES, {
        warmUp: WARM_UP_ROUNDS,
        rounds: ROUNDS,
        attempt: async (kind) => expect((await server.post('/api/token/', KINDS[kind])).statusCode).toBe(401),
      });
      const values = Object.values(medians);
      const ratio = Math.max(...values) / Math.min(...values);
      expect({ medians, withinBound: ratio <= MAX_MEDIAN_RATIO }).toEqual({ medians, withinBound: true });
    },
  );

  it('logs the Django user in with the right password', async () => {
    expect((await server.post('/api/token/', { username: 'carol', password: 'carol in wonderland' })).statusCode).toBe(
      200,
    );
  });
});
