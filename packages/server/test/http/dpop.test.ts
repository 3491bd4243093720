import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DPOP_NONCE_STEP_SECONDS } from '../../src/dpop/nonce.js';
import { DPOP_PROOF_FUTURE_SKEW_SECONDS, DPOP_PROOF_MAX_AGE_SECONDS } from '@tessera/verify/dpop';
import { dpopKey, dpopProof, proofCheckTable, type DpopKey, type ProofOptions } from '../support/dpop.js';
import { bearer, createTestServer, type TestServer } from '../support/server.js';

type Pair = { access: string; refresh: string };

/** How inject addresses the app: `htu` must name this origin. */
const ORIGIN = 'http://localhost';
const LOGIN = `${ORIGIN}/api/token/`;
const REFRESH = `${ORIGIN}/api/token/refresh/`;
const DPOP_CHALLENGE = 'DPoP error="invalid_dpop_proof", algs="ES256 EdDSA"';
const CREDENTIALS = { username: 'alice', password: 'correct horse' };
const REFRESH_COOKIE = '__Secure-tessera-refresh';

/** The 401 every refused proof gets, with what it says about why. */
const refused = (detail: string) => ({ detail, code: 'invalid_dpop_proof' });

describe('DPoP proofs on the token endpoints (RFC 9449)', () => {
  let server: TestServer;
  let key: DpopKey;
  beforeEach(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse');
    key = dpopKey();
    nonce = undefined;
  });
  afterEach(() => server.close());

  /** The nonce the last login or refresh handed out: proofs on refresh carry it. */
  let nonce: string | undefined;
  const nowSeconds = () => Math.floor(server.clock.now() / 1000);
  const proof = (htu: string, options: ProofOptions = {}, by = key) =>
    dpopProof(by, htu, { iat: nowSeconds(), ...options, claims: { nonce, ...options.claims } });
  const keepNonce = <Answer extends { headers: Record<string, unknown> }>(response: Answer): Answer => {
    if (typeof response.headers['dpop-nonce'] === 'string') nonce = response.headers['dpop-nonce'];
    return response;
  };
  const login = async (dpop?: string) =>
    keepNonce(await server.post('/api/token/', CREDENTIALS, dpop === undefined ? {} : { dpop }));
  const refresh = async (token: string, dpop?: string) =>
    keepNonce(await server.post('/api/token/refresh/', { refresh: token }, dpop === undefined ? {} : { dpop }));
  const boundLogin = async (): Promise<Pair> => {
    const response = await login(proof(LOGIN));
    expect(response.statusCode).toBe(200);
    return response.json<Pair>();
  };
  const expectRefused = (response: Awaited<ReturnType<typeof login>>, detail: string) => {
    expect([response.statusCode, response.json(), response.headers['www-authenticate']]).toEqual([
      401,
      refused(detail),
      DPOP_CHALLENGE,
    ]);
  };

  describe('the check table: each proof is refused on login, and on the refresh of a bound session', () => {
    const table = proofCheckTable(proof, () => key, nowSeconds, `${ORIGIN}/api/token/verify/`);

    it.each(table)('login: %s', async (_name, make, detail) => {
      expectRefused(await login(make(LOGIN)), detail);
      // Nothing was started.
      const user = await server.store.findUserByUsername('alice');
      expect(await server.store.listSessions(user!.id)).toEqual([]);
    });

    it.each(table)('refresh of a bound session: %s; the owner carries on', async (_name, make, detail) => {
      const pair = await boundLogin();
      expectRefused(await refresh(pair.refresh, make(REFRESH)), detail);
      expect((await refresh(pair.refresh, proof(REFRESH))).statusCode).toBe(200);
    });

    it('two DPoP headers are refused', async () => {
      const response = await server.app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: CREDENTIALS,
        headers: { dpop: [proof(LOGIN), proof(LOGIN)] },
      });
      expectRefused(response, 'The DPoP proof is not a single compact JWS.');
    });
  });

  describe('what a proof may differ in', () => {
    it.each([
      ['ES256', () => proof(LOGIN)],
      ['EdDSA', () => proof(LOGIN, {}, dpopKey('EdDSA'))],
      ['an htu with a query and a fragment', () => proof(`${LOGIN}?next=%2F#top`)],
      [
        'an htu with the scheme and host in capitals and the default port',
        () => proof('HTTP://LOCALHOST:80/api/token/'),
      ],
      [
        'an iat as old as allowed',
        () => proof(LOGIN, { iat: Math.ceil(server.clock.now() / 1000) - DPOP_PROOF_MAX_AGE_SECONDS }),
      ],
      ['an iat as far ahead as allowed', () => proof(LOGIN, { iat: nowSeconds() + DPOP_PROOF_FUTURE_SKEW_SECONDS })],
    ])('a login with %s binds the session', async (_name, make) => {
      const pair = (await login(make())).json<Pair>();
      const sessions = await server.app.inject({ method: 'GET', url: '/api/sessions/', headers: bearer(pair.access) });
      expect(sessions.json<Array<{ device_bound: boolean }>>().map((s) => s.device_bound)).toEqual([true]);
    });

    it('a request URL with a query is matched by its path', async () => {
      const response = await server.post('/api/token/?source=app', CREDENTIALS, { dpop: proof(LOGIN) });
      expect(response.statusCode).toBe(200);
    });

    it('the aliases check htu against their own path', async () => {
      const alias = `${ORIGIN}/api/auth/login/`;
      expect((await server.post('/api/auth/login/', CREDENTIALS, { dpop: proof(alias) })).statusCode).toBe(200);
      expectRefused(
        await server.post('/api/auth/login/', CREDENTIALS, { dpop: proof(LOGIN) }),
        'The DPoP proof htu does not match the request URL.',
      );
    });
  });

  describe('server nonces on refresh', () => {
    const useNonce = (response: Awaited<ReturnType<typeof refresh>>) => {
      expect([response.statusCode, response.json(), response.headers['www-authenticate']]).toEqual([
        401,
        { detail: 'The DPoP proof must carry the nonce in DPoP-Nonce.', code: 'use_dpop_nonce' },
        'DPoP error="use_dpop_nonce", algs="ES256 EdDSA"',
      ]);
      expect(response.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    };

    it('a login with a proof hands out the nonce; a login without one does not', async () => {
      expect((await login()).headers['dpop-nonce']).toBeUndefined();
      expect((await login(proof(LOGIN))).headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    });

    it('a refresh proof without the nonce is asked for it, and the retry with it succeeds', async () => {
      const pair = await boundLogin();
      useNonce(await refresh(pair.refresh, proof(REFRESH, { claims: { nonce: undefined } })));
      const retried = await refresh(pair.refresh, proof(REFRESH));
      expect(retried.statusCode).toBe(200);
      expect(retried.headers['dpop-nonce']).toBe(nonce);
    });

    it('a made-up nonce is refused', async () => {
      const pair = await boundLogin();
      useNonce(await refresh(pair.refresh, proof(REFRESH, { claims: { nonce: 'A'.repeat(32) } })));
    });

    it('a nonce is accepted for one step after its own and refused after that', async () => {
      const pair = await boundLogin();
      const first = nonce;
      server.clock.advance(DPOP_NONCE_STEP_SECONDS);
      const next = await refresh(pair.refresh, proof(REFRESH, { claims: { nonce: first } }));
      expect(next.statusCode).toBe(200);
      server.clock.advance(2 * DPOP_NONCE_STEP_SECONDS);
      useNonce(await refresh(next.json<Pair>().refresh, proof(REFRESH, { claims: { nonce: first } })));
    });

    it('an unbound session refreshed with a proof needs the nonce too', async () => {
      const pair = (await login()).json<Pair>();
      useNonce(await refresh(pair.refresh, proof(REFRESH)));
      expect((await refresh(pair.refresh, proof(REFRESH))).statusCode).toBe(200);
    });
  });

  describe('binding', () => {
    const sessionsOf = async (access: string) =>
      (await server.app.inject({ method: 'GET', url: '/api/sessions/', headers: bearer(access) })).json<
        Array<{ device_bound: boolean }>
      >();

    it('a login without a proof is not bound and refreshes as before', async () => {
      const pair = (await login()).json<Pair>();
      expect((await sessionsOf(pair.access)).map((s) => s.device_bound)).toEqual([false]);
      expect((await refresh(pair.refresh)).statusCode).toBe(200);
    });

    it('a bound session refreshes with a fresh proof each time, and stays bound', async () => {
      let pair = await boundLogin();
      for (let i = 0; i < 3; i++) {
        const response = await refresh(pair.refresh, proof(REFRESH));
        expect(response.statusCode).toBe(200);
        pair = response.json<Pair>();
      }
      expect((await sessionsOf(pair.access)).map((s) => s.device_bound)).toEqual([true]);
    });

    it('a bound refresh without a proof, or by another key, is refused and audited; the session goes on', async () => {
      const pair = await boundLogin();
      expectRefused(await refresh(pair.refresh), 'This session is bound to a key: the refresh needs its DPoP proof.');
      expectRefused(
        await refresh(pair.refresh, proof(REFRESH, {}, dpopKey())),
        'The DPoP proof is signed by another key than the session is bound to.',
      );
      const audit = await server.store.listAudit({ event: 'dpop_proof_refused', offset: 0, limit: 10 });
      expect(audit.records.map((record) => [record.username, record.details])).toEqual([
        ['alice', { reason: 'The DPoP proof is signed by another key than the session is bound to.', bound: true }],
        ['alice', { reason: 'This session is bound to a key: the refresh needs its DPoP proof.', bound: true }],
      ]);
      expect((await refresh(pair.refresh, proof(REFRESH))).statusCode).toBe(200);
    });

    it('a captured proof replayed is refused, and cannot end the session by reuse', async () => {
      const pair = await boundLogin();
      const captured = proof(REFRESH);
      const first = await refresh(pair.refresh, captured);
      expect(first.statusCode).toBe(200);
      server.clock.advance(30);
      // Past the grace window, the rotated token with a good proof would be reuse; with a replayed one it is not.
      expectRefused(await refresh(pair.refresh, captured), 'The DPoP proof has been used before.');
      expect((await refresh(first.json<Pair>().refresh, proof(REFRESH))).statusCode).toBe(200);
    });

    it('within the grace window, a bad proof never receives the grace pair', async () => {
      const pair = await boundLogin();
      expect((await refresh(pair.refresh, proof(REFRESH))).statusCode).toBe(200);
      expectRefused(await refresh(pair.refresh), 'This session is bound to a key: the refresh needs its DPoP proof.');
      expectRefused(
        await refresh(pair.refresh, proof(REFRESH, {}, dpopKey())),
        'The DPoP proof is signed by another key than the session is bound to.',
      );
      // The owner's own retry still gets it.
      expect((await refresh(pair.refresh, proof(REFRESH))).statusCode).toBe(200);
    });

    it('an unbound session refuses a proof that fails its checks', async () => {
      const pair = (await login()).json<Pair>();
      expectRefused(await refresh(pair.refresh, proof(LOGIN)), 'The DPoP proof htu does not match the request URL.');
      expect((await refresh(pair.refresh)).statusCode).toBe(200);
    });

    it('cookie mode: a refresh by the refresh cookie of a bound session needs the proof too', async () => {
      const loggedIn = await login(proof(LOGIN));
      const held = Object.fromEntries(loggedIn.cookies.map((cookie) => [cookie.name, cookie.value]));
      const byCookie = (dpop?: string) =>
        server.app.inject({
          method: 'POST',
          url: '/api/token/refresh/',
          headers: {
            cookie: `${REFRESH_COOKIE}=${held[REFRESH_COOKIE]}; csrftoken=${held.csrftoken}`,
            'x-csrftoken': held.csrftoken!,
            ...(dpop === undefined ? {} : { dpop }),
          },
        });
      expectRefused(await byCookie(), 'This session is bound to a key: the refresh needs its DPoP proof.');
      expect((await byCookie(proof(REFRESH))).statusCode).toBe(200);
    });

    it('behind a trusted proxy, htu names the URL the proxy was addressed by', async () => {
      const proxied = await createTestServer({ TESSERA_TRUSTED_PROXIES: '127.0.0.1' });
      await proxied.createUser('alice', 'correct horse');
      const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'auth.example.com' };
      const outer = dpopProof(key, 'https://auth.example.com/api/token/', { iat: nowSeconds() });
      try {
        expect((await proxied.post('/api/token/', CREDENTIALS, { ...forwarded, dpop: outer })).statusCode).toBe(200);
      } finally {
        await proxied.close();
      }
      // From an address that is not a trusted proxy, the same headers are the client's own: ignored.
      expectRefused(
        await server.post('/api/token/', CREDENTIALS, { ...forwarded, dpop: outer }),
        'The DPoP proof htu does not match the request URL.',
      );
    });

    it('a bad refresh token is refused as before, whatever the proof', async () => {
      const response = await refresh('not-a-token', proof(REFRESH));
      expect([response.statusCode, response.json()]).toEqual([
        401,
        { detail: 'Token is invalid', code: 'token_not_valid' },
      ]);
    });
  });
});

describe('TESSERA_DPOP', () => {
  let server: TestServer | undefined;
  afterEach(() => server?.close());
  const start = async (mode: string) => {
    server = await createTestServer({ TESSERA_DPOP: mode });
    await server.createUser('alice', 'correct horse');
    return server;
  };

  it('off: the header is ignored, a broken one too, and nothing is bound', async () => {
    const off = await start('off');
    expect((await off.post('/api/token/', CREDENTIALS, { dpop: 'garbage' })).statusCode).toBe(200);
    const proof = dpopProof(dpopKey(), LOGIN, { iat: Math.floor(off.clock.now() / 1000) });
    const pair = (await off.post('/api/token/', CREDENTIALS, { dpop: proof })).json<Pair>();
    expect((await off.post('/api/token/refresh/', { refresh: pair.refresh })).statusCode).toBe(200);
  });

  it('required: a login or a refresh without a proof is refused', async () => {
    const required = await start('required');
    const post = required.post.bind(required);
    const key = dpopKey();
    const make = (htu: string) => dpopProof(key, htu, { iat: Math.floor(required.clock.now() / 1000) });
    const missing = await post('/api/token/', CREDENTIALS);
    expect([missing.statusCode, missing.json()]).toEqual([401, refused('A DPoP proof is required.')]);
    const loggedIn = await post('/api/token/', CREDENTIALS, { dpop: make(LOGIN) });
    const pair = loggedIn.json<Pair>();
    const bare = await post('/api/token/refresh/', { refresh: pair.refresh });
    expect([bare.statusCode, bare.json()]).toEqual([401, refused('A DPoP proof is required.')]);
    const nonce = loggedIn.headers['dpop-nonce'];
    const proof = dpopProof(key, REFRESH, { iat: Math.floor(required.clock.now() / 1000), claims: { nonce } });
    expect((await post('/api/token/refresh/', { refresh: pair.refresh }, { dpop: proof })).statusCode).toBe(200);
  });
});

describe('over the network: a stolen bound refresh token', () => {
  let server: TestServer;
  let base: string;
  beforeEach(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse');
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterEach(() => server.close());

  /** A client with its own key, speaking HTTP as any would, keeping the nonce it is given. */
  const client = (key: DpopKey | undefined) => {
    let nonce: string | undefined;
    const proofFor = (path: string) =>
      key && dpopProof(key, `${base}${path}`, { iat: Math.floor(server.clock.now() / 1000), claims: { nonce } });
    const post = async (path: string, body: unknown, dpop = proofFor(path)) => {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(dpop === undefined ? {} : { dpop }) },
        body: JSON.stringify(body),
      });
      nonce = response.headers.get('dpop-nonce') ?? nonce;
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    return { proofFor, post };
  };

  it("fails with the thief's own key or with no proof, and the owner carries on; a captured proof replayed fails", async () => {
    const owner = client(dpopKey());
    const login = await owner.post('/api/token/', CREDENTIALS);
    expect(login.status).toBe(200);
    const stolen = login.body.refresh!;

    const thief = client(dpopKey('EdDSA'));
    // The thief is handed a nonce like anyone, and still lacks the key.
    expect((await thief.post('/api/token/refresh/', { refresh: stolen })).body.code).toBe('use_dpop_nonce');
    const withOwnKey = await thief.post('/api/token/refresh/', { refresh: stolen });
    expect(withOwnKey).toEqual({
      status: 401,
      body: refused('The DPoP proof is signed by another key than the session is bound to.'),
    });
    const withNone = await client(undefined).post('/api/token/refresh/', { refresh: stolen });
    expect(withNone).toEqual({
      status: 401,
      body: refused('This session is bound to a key: the refresh needs its DPoP proof.'),
    });

    const captured = owner.proofFor('/api/token/refresh/');
    const rotated = await owner.post('/api/token/refresh/', { refresh: stolen }, captured);
    expect(rotated.status).toBe(200);
    const replayed = await thief.post('/api/token/refresh/', { refresh: rotated.body.refresh }, captured);
    expect(replayed).toEqual({ status: 401, body: refused('The DPoP proof has been used before.') });

    const next = await owner.post('/api/token/refresh/', { refresh: rotated.body.refresh });
    expect(next.status).toBe(200);
    // The thief's key, no proof, the replay.
    const audit = await server.store.listAudit({ event: 'dpop_proof_refused', offset: 0, limit: 10 });
    expect(audit.count).toBe(3);
  });
});
