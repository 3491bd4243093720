// DPoP-bound access tokens in the client against a real tessera with
// TESSERA_DPOP_ACCESS=on: every request the client authorizes carries
// `Authorization: DPoP <token>` and a fresh proof with `ath` for its method and
// URL; a missing or stale nonce costs one retry. Unbound tokens stay Bearer,
// and in cookie transport the access cookie is never bound.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestServer } from '../../server/test/support/server.js';
import {
  attachAxios,
  createAuthClient,
  createMemoryStorage,
  type AuthClient,
  type AuthClientOptions,
  type FetchLike,
} from '../src/index.js';
import { createCookieJar } from './support/cookie-jar.js';
import { fakeAxios } from './support/fake-axios.js';
import { createFileKeyStore } from './support/file-key-store.js';
import { ALICE, startRealServer } from './support/real-server.js';
import { barePlatform } from './support/setup.js';
import { createManualTime } from './support/time.js';

const ACCESS_LIFETIME_SECONDS = 300;

interface ProofClaims {
  htm: string;
  htu: string;
  ath?: string;
  nonce?: string;
}

const claimsOfProof = (proof: string) =>
  JSON.parse(Buffer.from(proof.split('.')[1]!, 'base64url').toString()) as ProofClaims;

describe('DPoP-bound access tokens in the client against a real tessera (TESSERA_DPOP_ACCESS=on)', () => {
  let server: TestServer;
  let baseUrl: string;
  let dir: string;
  let keyFile: string;
  let clients: AuthClient[];
  /** Every request, as `METHOD path status scheme`, with `+dpop` when it carried a proof. */
  let requests: string[];
  let proofs: ProofClaims[];

  const logging =
    (inner: FetchLike): FetchLike =>
    async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input instanceof URL ? input.href : input);
      const headers = new Headers(init?.headers);
      const proof = headers.get('dpop');
      if (proof !== null) proofs.push(claimsOfProof(proof));
      const scheme = headers.get('authorization')?.split(' ')[0];
      const response = await inner(input, init);
      const line = [
        (init?.method ?? 'GET').toUpperCase(),
        url.pathname,
        response.status,
        scheme,
        proof === null ? '' : '+dpop',
      ];
      requests.push(line.filter((part) => part !== undefined && part !== '').join(' '));
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

  async function start(env: Record<string, string> = {}): Promise<void> {
    ({ server, baseUrl } = await startRealServer({
      TESSERA_DPOP_ACCESS: 'on',
      TESSERA_REFRESH_GRACE_SECONDS: '0',
      TESSERA_ACCESS_TOKEN_LIFETIME: String(ACCESS_LIFETIME_SECONDS),
      TESSERA_COOKIE_MODE: 'on',
      TESSERA_COOKIE_SECURE: 'false',
      ...env,
    }));
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-dpop-access-'));
    keyFile = join(dir, 'dpop.jwk');
    clients = [];
    requests = [];
    proofs = [];
  });
  afterEach(async () => {
    for (const auth of clients) auth.dispose();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('bearer transport', () => {
    beforeEach(() => start());

    it('sends a bound token as DPoP with a proof for each request: its method, its URL without the query, ath', async () => {
      const auth = client();
      await auth.login(ALICE.username, ALICE.password);
      const profile = await auth.fetch('/api/profile/?fields=all');
      expect([profile.status, await profile.json()]).toEqual([
        200,
        { username: 'alice', first_name: '', last_name: '', email: 'alice@example.com' },
      ]);
      expect((await auth.fetch('/api/sessions/')).status).toBe(200);
      expect(requests).toEqual([
        'POST /api/token/ 200 +dpop',
        'GET /api/profile/ 200 DPoP +dpop',
        'GET /api/sessions/ 200 DPoP +dpop',
      ]);
      const [, toProfile, toSessions] = proofs;
      expect(toProfile).toMatchObject({ htm: 'GET', htu: `${baseUrl}/api/profile/` });
      expect(toSessions).toMatchObject({ htm: 'GET', htu: `${baseUrl}/api/sessions/` });
      // The nonce the login handed out, and the token's SHA-256 (RFC 9449 §4.2).
      expect(toProfile!.nonce).toEqual(expect.any(String));
      expect(toProfile!.ath).toBe(createHash('sha256').update(auth.getAccessToken()!).digest('base64url'));
    });

    it('after a reload it has no nonce: the server asks for one, one retry, and then it is kept', async () => {
      const storage = createMemoryStorage();
      await client({ storage }).login(ALICE.username, ALICE.password);
      const reloaded = client({ storage });
      await reloaded.ready;
      expect((await reloaded.fetch('/api/profile/')).status).toBe(200);
      expect((await reloaded.fetch('/api/profile/')).status).toBe(200);
      expect(requests).toEqual([
        'POST /api/token/ 200 +dpop',
        'GET /api/profile/ 401 DPoP +dpop',
        'GET /api/profile/ 200 DPoP +dpop',
        'GET /api/profile/ 200 DPoP +dpop',
      ]);
      expect(proofs[1]!.nonce).toBeUndefined();
      expect(proofs[2]!.nonce).toEqual(expect.any(String));
    });

    it('a refresh gives a new bound token: the next request proves it, with its own ath', async () => {
      const auth = client();
      await auth.login(ALICE.username, ALICE.password);
      expect((await auth.fetch('/api/profile/')).status).toBe(200);
      server.clock.advance(ACCESS_LIFETIME_SECONDS);
      expect((await auth.fetch('/api/profile/')).status).toBe(200);
      expect(requests).toEqual([
        'POST /api/token/ 200 +dpop',
        'GET /api/profile/ 200 DPoP +dpop',
        'POST /api/token/refresh/ 200 DPoP +dpop',
        'GET /api/profile/ 200 DPoP +dpop',
      ]);
      expect(proofs[3]!.ath).not.toBe(proofs[1]!.ath);
    });

    it('POSTs prove their method; logout revokes by the access token, with a proof', async () => {
      const auth = client();
      await auth.login(ALICE.username, ALICE.password);
      const changed = await auth.fetch('/api/profile/', {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ first_name: 'Alice' }),
      });
      expect(changed.status).toBe(200);
      expect(await auth.logout()).toEqual({ confirmed: true });
      expect(requests).toEqual([
        'POST /api/token/ 200 +dpop',
        'PATCH /api/profile/ 200 DPoP +dpop',
        'POST /api/auth/logout/ 205 DPoP +dpop',
      ]);
      expect(proofs.map((proof) => proof.htm)).toEqual(['POST', 'PATCH', 'POST']);
    });

    it('logoutAll sends its proof too', async () => {
      const auth = client();
      await auth.login(ALICE.username, ALICE.password);
      await auth.logoutAll();
      expect(requests).toEqual(['POST /api/token/ 200 +dpop', 'POST /api/token/revoke-all/ 200 DPoP +dpop']);
    });

    it('through axios: a proof per request, and the nonce retry', async () => {
      const storage = createMemoryStorage();
      await client({ storage }).login(ALICE.username, ALICE.password);
      const reloaded = client({ storage });
      const api = fakeAxios(logging(fetch), baseUrl);
      attachAxios(reloaded, api);
      expect(await api.get('/api/profile/')).toMatchObject({ status: 200, data: { username: 'alice' } });
      expect(await api.get('/api/sessions/')).toMatchObject({ status: 200 });
      expect(requests).toEqual([
        'POST /api/token/ 200 +dpop',
        'GET /api/profile/ 401 DPoP +dpop',
        'GET /api/profile/ 200 DPoP +dpop',
        'GET /api/sessions/ 200 DPoP +dpop',
      ]);
    });

    it('a session without a proof (no key store) gets unbound tokens: Bearer, no proof', async () => {
      const auth = client({ dpop: false });
      await auth.login(ALICE.username, ALICE.password);
      expect((await auth.fetch('/api/profile/')).status).toBe(200);
      expect(requests).toEqual(['POST /api/token/ 200', 'GET /api/profile/ 200 Bearer']);
    });
  });

  describe('cookie transport', () => {
    beforeEach(() => start());

    it('the access cookie is unbound: requests go without proofs; the refresh is still proved', async () => {
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
      expect(auth.getUser()).not.toHaveProperty('cnf');
      expect((await auth.fetch('/api/profile/')).status).toBe(200);
      server.clock.advance(ACCESS_LIFETIME_SECONDS);
      expect((await auth.fetch('/api/sessions/')).status).toBe(200);
      expect(requests).toEqual([
        'GET /api/csrf/ 200',
        'POST /api/token/ 200 +dpop',
        'GET /api/profile/ 200',
        'POST /api/token/refresh/ 200 +dpop',
        'GET /api/sessions/ 200',
      ]);
    });
  });
});
