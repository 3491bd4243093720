/**
 * A login with a Django hash rewrites it as argon2id, as Django's
 * `must_update` does, in the transaction that starts the session. A failed
 * rewrite never fails the login; the next login tries again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/passwords/password-hasher.js';
import type { Store } from '../../src/store/types.js';
import { fastHasher } from '../support/hasher.js';
import { createTestStore, httpDialect } from '../support/stores.js';
import { createTestServer, type TestServer } from '../support/server.js';

const hasher = createPasswordHasher({ argon2id: fastHasher, floorIterations: 0 });
const DJANGO_MD5 = 'md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3';
const DJANGO_PBKDF2 = 'pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=';

/** A store whose session start fails whenever it carries a password upgrade, and counts those attempts. */
async function storeRefusingUpgrades(): Promise<{ store: Store; attempts: () => number }> {
  const { store } = await createTestStore(httpDialect());
  let attempts = 0;
  return {
    store: {
      ...store,
      async startSession(input, audit) {
        if (input.passwordUpgrade !== undefined) {
          attempts++;
          throw new Error('disk I/O error');
        }
        await store.startSession(input, audit);
      },
    },
    attempts: () => attempts,
  };
}

describe('POST /api/token/ with a Django password hash', () => {
  let server: TestServer;
  afterEach(() => server.close());

  it.each([
    ['md5', DJANGO_MD5],
    ['pbkdf2_sha256', DJANGO_PBKDF2],
  ])('logs in with the %s hash and stores argon2id in its place, which the next login verifies', async (_, hash) => {
    server = await createTestServer({}, { hasher });
    const { id } = await server.createUser('alice', 'unused', { passwordHash: hash });
    await server.login('alice', 'lètmein');
    const upgraded = (await server.store.findUserById(id))!.passwordHash;
    expect(upgraded).toMatch(/^\$argon2id\$/);
    expect(await fastHasher.verify(upgraded, 'lètmein')).toBe(true);
    await server.login('alice', 'lètmein');
    expect((await server.store.findUserById(id))!.passwordHash).toBe(upgraded);
  });

  it('keeps the Django hash after a wrong password', async () => {
    server = await createTestServer({}, { hasher });
    const { id } = await server.createUser('alice', 'unused', { passwordHash: DJANGO_MD5 });
    expect((await server.post('/api/token/', { username: 'alice', password: 'lètmeinz' })).statusCode).toBe(401);
    expect((await server.store.findUserById(id))!.passwordHash).toBe(DJANGO_MD5);
  });

  it('logs in when the rewrite fails, logs the failure, and tries again at the next login', async () => {
    const lines: string[] = [];
    const { store, attempts } = await storeRefusingUpgrades();
    server = await createTestServer(
      {},
      { hasher, store, logger: { level: 'warn', stream: { write: (line: string) => lines.push(line) } } },
    );
    const { id } = await server.createUser('alice', 'unused', { passwordHash: DJANGO_MD5 });
    await server.login('alice', 'lètmein');
    await server.login('alice', 'lètmein');
    expect(attempts()).toBe(2);
    expect((await store.findUserById(id))!.passwordHash).toBe(DJANGO_MD5);
    expect(await store.listSessions(id)).toHaveLength(2);
    const warnings = lines.map((line) => JSON.parse(line) as { msg: string; userId: number });
    expect(warnings.filter((w) => w.msg.startsWith('password hash upgrade failed'))).toMatchObject([
      { userId: id },
      { userId: id },
    ]);
  });
});
