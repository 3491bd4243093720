import { afterEach, describe, expect, it } from 'vitest';
import { createLocalStorage, createSessionStorage, type AuthClient, type TokenStorage } from '../src/index.js';
import { setup } from './support/setup.js';
import { settle } from './support/time.js';

/** An async store as Keychain/Keystore wrappers are: every call is a promise. */
function asyncStore(items = new Map<string, string>()): TokenStorage & { items: Map<string, string> } {
  return {
    items,
    getItem: (key) => Promise.resolve(items.get(key) ?? null),
    setItem: (key, value) => Promise.resolve(void items.set(key, value)),
    removeItem: (key) => Promise.resolve(void items.delete(key)),
  };
}

describe('storage', () => {
  const clients: AuthClient[] = [];
  afterEach(() => clients.splice(0).forEach((c) => c.dispose()));

  it('async storage: the session survives a restart; status is refreshing until it is read', async () => {
    const storage = asyncStore();
    const first = setup({ storage });
    clients.push(first.auth);
    await first.auth.login('alice', 'pw');
    expect(JSON.parse(storage.items.get('tessera.session')!)).toMatchObject({
      v: 1,
      access: first.auth.getAccessToken(),
    });

    const second = setup({ storage, fetch: first.server.fetch });
    clients.push(second.auth);
    expect(second.auth.getSnapshot()).toEqual({ status: 'loading', user: null, expiresAt: null, retryAt: null });
    await second.auth.ready;
    expect(second.auth.getSnapshot().status).toBe('authenticated');
    expect(second.auth.getAccessToken()).toBe(first.auth.getAccessToken());
  });

  it('async storage: requests made before it is read wait for it', async () => {
    const storage = asyncStore();
    const first = setup({ storage });
    clients.push(first.auth);
    await first.auth.login('alice', 'pw');
    const second = setup({ storage, fetch: first.server.fetch });
    clients.push(second.auth);
    expect((await second.auth.fetch('/api/profile/')).status).toBe(200);
  });

  it('a corrupt or foreign stored value is no session', async () => {
    const storage = asyncStore(new Map([['tessera.session', '{"access":"x"}']]));
    const { auth } = setup({ storage });
    clients.push(auth);
    await auth.ready;
    expect(auth.getSnapshot().status).toBe('unauthenticated');
  });

  it('a stored session whose access token expired is refreshed at start', async () => {
    const storage = asyncStore();
    const first = setup({ storage });
    clients.push(first.auth);
    await first.auth.login('alice', 'pw');
    first.auth.dispose();
    first.time.advance(3600_000);
    const second = setup({ storage, fetch: first.server.fetch, platform: { now: first.time.now } });
    clients.push(second.auth);
    await second.auth.ready;
    expect(second.time.pending()).toEqual([0]);
    second.time.advance(0);
    await settle();
    expect(first.server.count('/api/token/refresh/')).toBe(1);
    expect(second.auth.getSnapshot().status).toBe('authenticated');
  });

  it('localStorage and sessionStorage adapters: only localStorage is shared between tabs', () => {
    const area = new Map<string, string>();
    const fake = {
      getItem: (k: string) => area.get(k) ?? null,
      setItem: (k: string, v: string) => void area.set(k, v),
      removeItem: (k: string) => void area.delete(k),
    };
    expect(createLocalStorage(fake)).toMatchObject({ sharedAcrossTabs: true, webStorage: fake });
    expect(createSessionStorage(fake)).toMatchObject({ sharedAcrossTabs: false, webStorage: fake });
  });

  it('without a global localStorage (Node, React Native) the adapter says what to use instead', () => {
    expect(() => createLocalStorage()).toThrow(/localStorage is not available .* createMemoryStorage/);
  });
});
