// DPoP in the client against a real tessera with TESSERA_DPOP=required: every
// login and refresh carries a proof by the device's key (here the Node file
// key store of support/file-key-store.ts), and the session is bound to it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/support/server.js';
import {
  createAuthClient,
  createMemoryStorage,
  type AuthClient,
  type AuthClientOptions,
  type DpopKeyStore,
  type FetchLike,
  type TokenStorage,
} from '../src/index.js';
import { createCookieJar } from './support/cookie-jar.js';
import { createFileKeyStore } from './support/file-key-store.js';
import { ALICE, startRealServer } from './support/real-server.js';
import { barePlatform } from './support/setup.js';
import { createManualTime } from './support/time.js';

const ACCESS_LIFETIME_SECONDS = 300;

describe('DPoP in the client against a real tessera (TESSERA_DPOP=required)', () => {
  let server: TestServer;
  let baseUrl: string;
  let dir: string;
  let keyFile: string;
  let clients: AuthClient[];
  /** Every request, as `METHOD path status`, with `+dpop` when it carried a proof. */
  let requests: string[];

  const logging =
    (inner: FetchLike): FetchLike =>
    async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input instanceof URL ? input.href : input);
      const proof = new Headers(init?.headers).has('dpop') ? ' +dpop' : '';
      const response = await inner(input, init);
      requests.push(`${init?.method ?? 'GET'} ${url.pathname} ${response.status}${proof}`);
      return response;
    };

  function client(options: Partial<AuthClientOptions> = {}): AuthClient {
    const auth = createAuthClient({
      baseUrl,
      fetch: logging(fetch),
      dpop: createFileKeyStore(keyFile),
      ...options,
      platform: barePlatform(() => server.clock.now(), createManualTime().timers),
    });
    clients.push(auth);
    return auth;
  }

  async function sessionsOf(auth: AuthClient): Promise<Array<{ device_bound: boolean; current: boolean }>> {
    return (await auth.fetch('/api/sessions/')).json() as Promise<Array<{ device_bound: boolean; current: boolean }>>;
  }

  beforeEach(async () => {
    ({ server, baseUrl } = await startRealServer({
      TESSERA_DPOP: 'required',
      TESSERA_REFRESH_GRACE_SECONDS: '0',
      TESSERA_ACCESS_TOKEN_LIFETIME: String(ACCESS_LIFETIME_SECONDS),
      TESSERA_COOKIE_MODE: 'on',
      TESSERA_COOKIE_SECURE: 'false',
    }));
    dir = mkdtempSync(join(tmpdir(), 'tessera-dpop-'));
    keyFile = join(dir, 'dpop.jwk');
    clients = [];
    requests = [];
  });
  afterEach(async () => {
    for (const auth of clients) auth.dispose();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('bearer transport', () => {
    it('logs in with a proof, and the session is listed as device-bound', async () => {
      const auth = client();
      await auth.login(ALICE.username, ALICE.password);
      expect(existsSync(keyFile)).toBe(true);
      expect(await sessionsOf(auth)).toMatchObject([{ current: true, device_bound: true }]);
      expect(requests).toEqual(['POST /api/token/ 200 +dpop', 'GET /api/sessions/ 200']);
    });

    it('refreshes with a proof carrying the nonce the login handed out: one request', async () => {
      const auth = client();
      await auth.login(ALICE.username, ALICE.password);
      server.clock.advance(ACCESS_LIFETIME_SECONDS);
      expect((await auth.fetch('/api/profile/')).status).toBe(200);
      expect(requests).toEqual([
        'POST /api/token/ 200 +dpop',
        'POST /api/token/refresh/ 200 +dpop',
        'GET /api/profile/ 200',
      ]);
    });

    it('after a reload it has no nonce: the server asks for one, and the client retries once with it', async () => {
      const storage = createMemoryStorage();
      await client({ storage }).login(ALICE.username, ALICE.password);
      const reloaded = client({ storage });
      await reloaded.ready;
      await reloaded.refresh();
      await reloaded.refresh();
      expect(requests).toEqual([
        'POST /api/token/ 200 +dpop',
        'POST /api/token/refresh/ 401 +dpop',
        'POST /api/token/refresh/ 200 +dpop',
        'POST /api/token/refresh/ 200 +dpop',
      ]);
      expect(reloaded.getSnapshot().status).toBe('authenticated');
    });

    it('the refresh token copied to another device is refused there, and the owner carries on', async () => {
      const storage = createMemoryStorage();
      const owner = client({ storage });
      await owner.login(ALICE.username, ALICE.password);
      const copied = copyOf(storage);
      const thiefKeys = createFileKeyStore(join(dir, 'thief.jwk'));
      await thiefKeys.loadOrCreate();
      const expired: string[] = [];
      const thief = client({ storage: copied, dpop: thiefKeys, onSessionExpired: (error) => expired.push(error.code) });
      await thief.ready;
      await expect(thief.refresh()).rejects.toMatchObject({ code: 'session_expired', statusCode: 401 });
      expect(expired).toEqual(['session_expired']);
      await owner.refresh();
      expect((await owner.fetch('/api/profile/')).status).toBe(200);
      expect(requests.filter((line) => line.includes('refresh'))).toEqual([
        'POST /api/token/refresh/ 401 +dpop', // the thief's proof, by its own key, for a nonce…
        'POST /api/token/refresh/ 401 +dpop', // …and with it: refused, invalid_dpop_proof
        'POST /api/token/refresh/ 200 +dpop',
      ]);
    });

    it('logout deletes the key; the next login makes another, and binds the session to it', async () => {
      const auth = client();
      await auth.login(ALICE.username, ALICE.password);
      const first = (await createFileKeyStore(keyFile).load())!.publicJwk;
      await auth.logout();
      expect(existsSync(keyFile)).toBe(false);
      await auth.login(ALICE.username, ALICE.password);
      expect((await createFileKeyStore(keyFile).load())!.publicJwk).not.toEqual(first);
      expect(await sessionsOf(auth)).toMatchObject([{ current: true, device_bound: true }]);
    });

    it('two clients making the key at once keep one', async () => {
      const [a, b] = await Promise.all([
        createFileKeyStore(keyFile).loadOrCreate(),
        createFileKeyStore(keyFile).loadOrCreate(),
      ]);
      expect(a.publicJwk).toEqual(b.publicJwk);
    });

    it('a client without dpop is refused at login with invalid_dpop_proof', async () => {
      await expect(client({ dpop: false }).login(ALICE.username, ALICE.password)).rejects.toMatchObject({
        code: 'invalid_dpop_proof',
        statusCode: 401,
        detail: 'A DPoP proof is required.',
      });
    });

    it('a key store that fails makes the login fail with dpop_key_unavailable, before any request', async () => {
      const broken: DpopKeyStore = {
        load: () => Promise.reject(new Error('disk')),
        loadOrCreate: () => Promise.reject(new Error('disk')),
        remove: () => Promise.resolve(),
      };
      await expect(client({ dpop: broken }).login(ALICE.username, ALICE.password)).rejects.toMatchObject({
        code: 'dpop_key_unavailable',
      });
      expect(requests).toEqual([]);
    });
  });

  describe('cookie transport', () => {
    it('sends the proof beside the refresh cookie, and refreshes the bound session', async () => {
      const jar = createCookieJar(baseUrl, () => server.clock.now());
      const auth = createAuthClient({
        baseUrl,
        fetch: logging(jar.fetch),
        transport: 'cookie',
        dpop: createFileKeyStore(keyFile),
        platform: { ...barePlatform(() => server.clock.now(), createManualTime().timers), document: jar.document },
      });
      clients.push(auth);
      await auth.login(ALICE.username, ALICE.password);
      server.clock.advance(ACCESS_LIFETIME_SECONDS);
      expect((await auth.fetch('/api/profile/')).status).toBe(200);
      expect(await sessionsOf(auth)).toMatchObject([{ current: true, device_bound: true }]);
      expect(requests).toEqual([
        'GET /api/csrf/ 200',
        'POST /api/token/ 200 +dpop',
        'POST /api/token/refresh/ 200 +dpop',
        'GET /api/profile/ 200',
        'GET /api/sessions/ 200',
      ]);
    });
  });
});

/** A copy of everything in `storage`: what a thief takes from a disk, a log or a backup. */
function copyOf(storage: TokenStorage): TokenStorage {
  const copy = createMemoryStorage();
  const text = storage.getItem('tessera.session');
  if (typeof text !== 'string') throw new Error('nothing stored');
  void copy.setItem('tessera.session', text);
  return copy;
}
