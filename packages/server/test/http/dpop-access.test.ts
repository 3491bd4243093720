import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DPOP_NONCE_STEP_SECONDS } from '../../src/dpop/nonce.js';
import {
  athOf,
  boundTokenCheckTable,
  dpopKey,
  dpopProof,
  proofCheckTable,
  type DpopKey,
  type ProofOptions,
} from '../support/dpop.js';
import { bearer, claimsOf, createTestServer, type TestServer } from '../support/server.js';

type Pair = { access: string; refresh: string };
type Answer = Awaited<ReturnType<TestServer['post']>>;

/** How inject addresses the app: `htu` must name this origin. */
const ORIGIN = 'http://localhost';
const LOGIN = `${ORIGIN}/api/token/`;
const REFRESH = `${ORIGIN}/api/token/refresh/`;
const PROFILE = `${ORIGIN}/api/profile/`;
const CREDENTIALS = { username: 'alice', password: 'correct horse' };
const DPOP_CHALLENGE = 'DPoP error="invalid_dpop_proof", algs="ES256 EdDSA"';
const PROFILE_BODY = { username: 'alice', first_name: '', last_name: '', email: 'alice@example.com' };

const refused = (detail: string) => ({ detail, code: 'invalid_dpop_proof' });
const expectRefused = (response: Answer, detail: string) => {
  expect([response.statusCode, response.json(), response.headers['www-authenticate']]).toEqual([
    401,
    refused(detail),
    DPOP_CHALLENGE,
  ]);
};
const expectNonceAsked = (response: Answer) => {
  expect([response.statusCode, response.json(), response.headers['www-authenticate']]).toEqual([
    401,
    { detail: 'The DPoP proof must carry the nonce in DPoP-Nonce.', code: 'use_dpop_nonce' },
    'DPoP error="use_dpop_nonce", algs="ES256 EdDSA"',
  ]);
  expect(response.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]{32}$/);
};

/** RFC 7638's thumbprint of a P-256 key, computed here rather than by the code under test. */
const thumbprintOf = (key: DpopKey) => {
  const { crv, kty, x, y } = key.publicJwk;
  return createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
};

describe('DPoP-bound access tokens on the protected routes (TESSERA_DPOP_ACCESS=on)', () => {
  let server: TestServer;
  let key: DpopKey;
  /** The nonce the last answer handed out: every proof carries it. */
  let nonce: string | undefined;
  beforeEach(async () => {
    server = await createTestServer({ TESSERA_DPOP_ACCESS: 'on' });
    await server.createUser('alice', 'correct horse');
    key = dpopKey();
    nonce = undefined;
  });
  afterEach(() => server.close());

  const nowSeconds = () => Math.floor(server.clock.now() / 1000);
  const keepNonce = (response: Answer): Answer => {
    if (typeof response.headers['dpop-nonce'] === 'string') nonce = response.headers['dpop-nonce'];
    return response;
  };
  /** A proof for `htu`, for the access token `token` (its `ath`) when there is one. */
  const proofFor =
    (token: string | undefined, htm = 'GET') =>
    (htu: string, options: ProofOptions = {}, by = key) =>
      dpopProof(by, htu, {
        htm,
        iat: nowSeconds(),
        ...options,
        claims: { nonce, ...(token === undefined ? {} : { ath: athOf(token) }), ...options.claims },
      });
  const boundLogin = async (): Promise<Pair> => {
    const response = keepNonce(
      await server.post('/api/token/', CREDENTIALS, { dpop: proofFor(undefined, 'POST')(LOGIN) }),
    );
    expect(response.statusCode).toBe(200);
    return response.json<Pair>();
  };
  const profile = (headers: Record<string, string>) =>
    server.app.inject({ method: 'GET', url: '/api/profile/', headers }).then(keepNonce);
  const dpopAuth = (token: string, dpop?: string): Record<string, string> => ({
    authorization: `DPoP ${token}`,
    ...(dpop === undefined ? {} : { dpop }),
  });

  describe('issuing', () => {
    it("a login with a proof: the access token carries cnf.jkt, the key's thumbprint; the body is the contract's", async () => {
      const response = await server.post('/api/token/', CREDENTIALS, { dpop: proofFor(undefined, 'POST')(LOGIN) });
      expect(Object.keys(response.json<Pair>())).toEqual(['refresh', 'access']);
      const pair = response.json<Pair>();
      expect(claimsOf(pair.access).cnf).toEqual({ jkt: thumbprintOf(key) });
      // The refresh token is bound by its session, and never presented to a resource server.
      expect(claimsOf(pair.refresh).cnf).toBeUndefined();
    });

    it('a refresh of a bound session, and the grace pair, are bound to the same key', async () => {
      const pair = await boundLogin();
      const make = proofFor(undefined, 'POST');
      const rotated = keepNonce(
        await server.post('/api/token/refresh/', { refresh: pair.refresh }, { dpop: make(REFRESH) }),
      );
      expect(rotated.statusCode).toBe(200);
      const grace = await server.post('/api/token/refresh/', { refresh: pair.refresh }, { dpop: make(REFRESH) });
      expect(grace.json<Pair>()).toEqual(rotated.json<Pair>());
      expect(claimsOf(rotated.json<Pair>().access).cnf).toEqual({ jkt: thumbprintOf(key) });
    });

    it('a login without a proof gets a Bearer token as before', async () => {
      const pair = (await server.post('/api/token/', CREDENTIALS)).json<Pair>();
      expect(claimsOf(pair.access).cnf).toBeUndefined();
      const response = await profile(bearer(pair.access));
      expect([response.statusCode, response.json()]).toEqual([200, PROFILE_BODY]);
    });

    it('TESSERA_DPOP_ACCESS off (the default): a bound session still gets Bearer access tokens', async () => {
      const off = await createTestServer();
      try {
        await off.createUser('alice', 'correct horse');
        const dpop = dpopProof(key, LOGIN, { iat: Math.floor(off.clock.now() / 1000) });
        const pair = (await off.post('/api/token/', CREDENTIALS, { dpop })).json<Pair>();
        expect(claimsOf(pair.access).cnf).toBeUndefined();
        const response = await off.app.inject({ method: 'GET', url: '/api/profile/', headers: bearer(pair.access) });
        expect(response.statusCode).toBe(200);
      } finally {
        await off.close();
      }
    });
  });

  describe('presenting', () => {
    it('Authorization: DPoP with a good proof is served, with a fresh proof each time', async () => {
      const { access } = await boundLogin();
      for (let i = 0; i < 3; i++) {
        const response = await profile(dpopAuth(access, proofFor(access)(PROFILE)));
        expect([response.statusCode, response.json()]).toEqual([200, PROFILE_BODY]);
      }
    });

    it('the scheme name is case-insensitive', async () => {
      const { access } = await boundLogin();
      const response = await profile({ authorization: `dpop ${access}`, dpop: proofFor(access)(PROFILE) });
      expect(response.statusCode).toBe(200);
    });

    it('a bound token as Bearer is refused, with a proof or without (RFC 9449 §7.1)', async () => {
      const { access } = await boundLogin();
      const detail = 'This access token is bound to a key: send it as Authorization: DPoP, with a proof.';
      expectRefused(await profile(bearer(access)), detail);
      expectRefused(await profile({ ...bearer(access), dpop: proofFor(access)(PROFILE) }), detail);
    });

    it('a bound token without a DPoP header is refused', async () => {
      const { access } = await boundLogin();
      expectRefused(
        await profile(dpopAuth(access)),
        'This access token is bound to a key: the request needs its DPoP proof.',
      );
    });

    it('an unbound token under the DPoP scheme is refused', async () => {
      const pair = (await server.post('/api/token/', CREDENTIALS)).json<Pair>();
      expectRefused(
        await profile(dpopAuth(pair.access, proofFor(pair.access)(PROFILE))),
        'This access token is bound to no key: send it as Bearer.',
      );
    });

    it('DPoP with no token or two is a malformed header, as Bearer is', async () => {
      for (const authorization of ['DPoP', 'DPoP a b']) {
        const response = await profile({ authorization });
        expect([response.statusCode, response.json()]).toEqual([
          401,
          {
            detail: 'Authorization header must contain two space-delimited values',
            code: 'bad_authorization_header',
          },
        ]);
      }
    });

    it('a token that is not valid is refused as before, whatever the proof', async () => {
      const response = await profile(dpopAuth('not-a-token', proofFor('not-a-token')(PROFILE)));
      expect([response.statusCode, response.json<{ code: string }>().code]).toEqual([401, 'token_not_valid']);
    });
  });

  describe('the check table on a protected route: each refused, and the owner carries on', () => {
    const table = (access: () => string) => [
      ...proofCheckTable(
        (htu, options, by) => proofFor(access())(htu, options, by),
        () => key,
        nowSeconds,
        `${ORIGIN}/api/sessions/`,
        'GET',
      ),
      ...boundTokenCheckTable((htu, options, by) => proofFor(access())(htu, options, by), 'another.access.token'),
    ];
    let access = '';
    it.each(table(() => access))('%s', async (_name, make, detail) => {
      access = (await boundLogin()).access;
      expectRefused(await profile(dpopAuth(access, make(PROFILE))), detail);
      expect((await profile(dpopAuth(access, proofFor(access)(PROFILE)))).statusCode).toBe(200);
    });

    it('a proof replayed is refused', async () => {
      const { access } = await boundLogin();
      const captured = proofFor(access)(PROFILE);
      expect((await profile(dpopAuth(access, captured))).statusCode).toBe(200);
      expectRefused(await profile(dpopAuth(access, captured)), 'The DPoP proof has been used before.');
    });

    it('a query in the request URL or in htu is not compared; htm and htu name this request', async () => {
      const { access } = await boundLogin();
      const query = await server.app.inject({
        method: 'GET',
        url: '/api/profile/?fields=all',
        headers: dpopAuth(access, proofFor(access)(`${PROFILE}?other=1#top`)),
      });
      expect(query.statusCode).toBe(200);
    });

    it('a proof without the nonce, or with a made-up one, is asked for it; the retry succeeds', async () => {
      const { access } = await boundLogin();
      expectNonceAsked(await profile(dpopAuth(access, proofFor(access)(PROFILE, { claims: { nonce: undefined } }))));
      expectNonceAsked(
        await profile(dpopAuth(access, proofFor(access)(PROFILE, { claims: { nonce: 'A'.repeat(32) } }))),
      );
      expect((await profile(dpopAuth(access, proofFor(access)(PROFILE)))).statusCode).toBe(200);
    });

    it('a stale nonce is asked to be replaced', async () => {
      await boundLogin();
      const stale = nonce;
      server.clock.advance(2 * DPOP_NONCE_STEP_SECONDS);
      // A token issued now, presented with a nonce two steps old.
      const { access } = await boundLogin();
      expectNonceAsked(await profile(dpopAuth(access, proofFor(access)(PROFILE, { claims: { nonce: stale } }))));
    });
  });

  describe('every protected route', () => {
    interface OpenApiDocument {
      paths: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>;
    }

    it('refuses a bound token as Bearer and without a proof, and serves it with one', async () => {
      const schema = (await server.app.inject({ method: 'GET', url: '/api/schema/' })).json<OpenApiDocument>();
      const operations = Object.entries(schema.paths).flatMap(([path, methods]) =>
        Object.entries(methods)
          .filter(([, operation]) => (operation.security ?? []).some((requirement) => 'bearerAuth' in requirement))
          .map(([method]) => ({ method: method.toUpperCase() as 'GET', url: path.replace(/\{[^}]+\}/g, 'x') })),
      );
      expect(operations.length).toBeGreaterThan(10);
      const { access } = await boundLogin();
      for (const operation of operations) {
        const asBearer = await server.app.inject({ ...operation, headers: bearer(access), payload: {} });
        const withoutProof = await server.app.inject({ ...operation, headers: dpopAuth(access), payload: {} });
        expect([operation, asBearer.statusCode, asBearer.json<{ code: string }>().code]).toEqual([
          operation,
          401,
          'invalid_dpop_proof',
        ]);
        expect([operation, withoutProof.statusCode, withoutProof.json<{ code: string }>().code]).toEqual([
          operation,
          401,
          'invalid_dpop_proof',
        ]);
      }
      const revokeAll = await server.app.inject({
        method: 'POST',
        url: '/api/token/revoke-all/',
        headers: dpopAuth(access, proofFor(access, 'POST')(`${ORIGIN}/api/token/revoke-all/`)),
      });
      expect([revokeAll.statusCode, revokeAll.json()]).toEqual([200, { message: 'All tokens revoked successfully' }]);
    });

    it('cookie mode: a bound access cookie needs the proof too', async () => {
      const cookies = await createTestServer({ TESSERA_DPOP_ACCESS: 'on', TESSERA_COOKIE_MODE: 'on' });
      try {
        await cookies.createUser('alice', 'correct horse');
        const at = () => Math.floor(cookies.clock.now() / 1000);
        const loggedIn = await cookies.post('/api/token/', CREDENTIALS, { dpop: dpopProof(key, LOGIN, { iat: at() }) });
        const held = Object.fromEntries(loggedIn.cookies.map((cookie) => [cookie.name, cookie.value]));
        const accessCookie = Object.keys(held).find((name) => name.endsWith('tessera-access'))!;
        const access = held[accessCookie]!;
        const byCookie = (dpop?: string) =>
          cookies.app.inject({
            method: 'GET',
            url: '/api/profile/',
            headers: { cookie: `${accessCookie}=${access}`, ...(dpop === undefined ? {} : { dpop }) },
          });
        expectRefused(await byCookie(), 'This access token is bound to a key: the request needs its DPoP proof.');
        const nonceGiven = loggedIn.headers['dpop-nonce'] as string;
        const good = dpopProof(key, PROFILE, {
          htm: 'GET',
          iat: at(),
          claims: { nonce: nonceGiven, ath: athOf(access) },
        });
        expect((await byCookie(good)).statusCode).toBe(200);
      } finally {
        await cookies.close();
      }
    });

    it("cookie mode: a browser's cookie login and cookie refresh get unbound access cookies; the refresh stays bound", async () => {
      const cookies = await createTestServer({ TESSERA_DPOP_ACCESS: 'on', TESSERA_COOKIE_MODE: 'on' });
      try {
        await cookies.createUser('alice', 'correct horse');
        const at = () => Math.floor(cookies.clock.now() / 1000);
        const browser = { 'sec-fetch-site': 'same-origin' };
        const loggedIn = await cookies.post('/api/token/', CREDENTIALS, {
          ...browser,
          dpop: dpopProof(key, LOGIN, { iat: at() }),
        });
        expect(loggedIn.statusCode).toBe(200);
        const held = Object.fromEntries(loggedIn.cookies.map((cookie) => [cookie.name, cookie.value]));
        const accessName = Object.keys(held).find((name) => name.endsWith('tessera-access'))!;
        const refreshName = Object.keys(held).find((name) => name.endsWith('tessera-refresh'))!;
        // Neither the cookie nor the claims the page is shown name a key: the page cannot compute ath.
        expect(claimsOf(held[accessName]!).cnf).toBeUndefined();
        expect(loggedIn.json<{ claims: { cnf?: unknown } }>().claims.cnf).toBeUndefined();
        const byCookie = (access: string) =>
          cookies.app.inject({ method: 'GET', url: '/api/profile/', headers: { cookie: `${accessName}=${access}` } });
        const served = await byCookie(held[accessName]!);
        expect([served.statusCode, served.json()]).toEqual([200, PROFILE_BODY]);

        // The session is bound all the same: a cookie refresh without the key's proof is refused …
        const refreshByCookie = (dpop?: string) =>
          cookies.app.inject({
            method: 'POST',
            url: '/api/token/refresh/',
            headers: {
              ...browser,
              cookie: `${refreshName}=${held[refreshName]!}; csrftoken=${held.csrftoken!}`,
              'x-csrftoken': held.csrftoken!,
              ...(dpop && { dpop }),
            },
          });
        expect((await refreshByCookie()).json<{ code: string }>().code).toBe('invalid_dpop_proof');
        // … and with it, the new access cookie is unbound too.
        const nonceGiven = loggedIn.headers['dpop-nonce'] as string;
        const proof = dpopProof(key, REFRESH, { iat: at(), claims: { nonce: nonceGiven } });
        const refreshed = await refreshByCookie(proof);
        expect(refreshed.statusCode).toBe(200);
        const rotated = refreshed.cookies.find((cookie) => cookie.name === accessName)!.value;
        expect(claimsOf(rotated).cnf).toBeUndefined();
        expect((await byCookie(rotated)).statusCode).toBe(200);
      } finally {
        await cookies.close();
      }
    });

    it('cookie mode: a login that takes its pair in the body (a bearer app) is bound as ever', async () => {
      const cookies = await createTestServer({ TESSERA_DPOP_ACCESS: 'on', TESSERA_COOKIE_MODE: 'on' });
      try {
        await cookies.createUser('alice', 'correct horse');
        const at = () => Math.floor(cookies.clock.now() / 1000);
        const loggedIn = await cookies.post('/api/token/', CREDENTIALS, { dpop: dpopProof(key, LOGIN, { iat: at() }) });
        expect(claimsOf(loggedIn.json<Pair>().access).cnf).toEqual({ jkt: thumbprintOf(key) });
      } finally {
        await cookies.close();
      }
    });
  });
});

describe('the OpenAPI document', () => {
  interface Operation {
    parameters?: Array<{ in: string; name: string }>;
    responses: Record<string, { headers?: Record<string, unknown> }>;
    security?: Array<Record<string, unknown>>;
  }
  interface Document {
    components: { securitySchemes: Record<string, unknown> };
    paths: Record<string, Record<string, Operation>>;
  }
  const documentOf = async (env: Record<string, string>) => {
    const server = await createTestServer(env);
    try {
      return (await server.app.inject({ method: 'GET', url: '/api/schema/' })).json<Document>();
    } finally {
      await server.close();
    }
  };

  it('declares the DPoP request header and the DPoP-Nonce response header on login and refresh', async () => {
    const doc = await documentOf({});
    for (const path of ['/api/token/', '/api/token/refresh/']) {
      const post = doc.paths[path]!.post!;
      expect(post.parameters?.filter((parameter) => parameter.in === 'header').map((p) => p.name)).toEqual(['DPoP']);
      expect(Object.keys(post.responses['200']!.headers ?? {})).toEqual(['DPoP-Nonce']);
      expect(Object.keys(post.responses['401']!.headers ?? {})).toEqual(['DPoP-Nonce']);
    }
    expect(doc.components.securitySchemes.dpopAuth).toBeUndefined();
    expect(doc.paths['/api/profile/']!.get!.security).toEqual([{ bearerAuth: [] }]);
  });

  it('declares the DPoP scheme beside Bearer on the protected routes when access tokens are bound', async () => {
    const doc = await documentOf({ TESSERA_DPOP_ACCESS: 'on' });
    expect(doc.components.securitySchemes.dpopAuth).toMatchObject({ type: 'http', scheme: 'dpop' });
    expect(doc.paths['/api/profile/']!.get!.security).toEqual([{ bearerAuth: [] }, { dpopAuth: [] }]);
    expect(doc.paths['/api/token/']!.post!.security).toBeUndefined();
  });
});

describe('over the network: a stolen bound access token', () => {
  let server: TestServer;
  let base: string;
  beforeEach(async () => {
    server = await createTestServer({ TESSERA_DPOP_ACCESS: 'on' });
    await server.createUser('alice', 'correct horse');
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterEach(() => server.close());

  /** A client with its own key, speaking HTTP as any would, keeping the nonce it is given. */
  const client = (key: DpopKey) => {
    let nonce: string | undefined;
    const proof = (method: string, path: string, access?: string) =>
      dpopProof(key, `${base}${path}`, {
        htm: method,
        iat: Math.floor(server.clock.now() / 1000),
        claims: { nonce, ...(access === undefined ? {} : { ath: athOf(access) }) },
      });
    const send = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      nonce = response.headers.get('dpop-nonce') ?? nonce;
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    return { proof, send };
  };

  it("fails as Bearer and with the thief's own key; the owner carries on", async () => {
    const owner = client(dpopKey());
    const login = await owner.send('POST', '/api/token/', { dpop: owner.proof('POST', '/api/token/') }, CREDENTIALS);
    expect(login.status).toBe(200);
    const stolen = login.body.access!;

    const thief = client(dpopKey('EdDSA'));
    expect(await thief.send('GET', '/api/profile/', bearer(stolen))).toEqual({
      status: 401,
      body: refused('This access token is bound to a key: send it as Authorization: DPoP, with a proof.'),
    });
    // The key is checked before the nonce: the thief is not even handed one.
    expect(
      await thief.send('GET', '/api/profile/', {
        authorization: `DPoP ${stolen}`,
        dpop: thief.proof('GET', '/api/profile/', stolen),
      }),
    ).toEqual({
      status: 401,
      body: refused('The DPoP proof is signed by another key than the access token is bound to.'),
    });

    const served = await owner.send('GET', '/api/profile/', {
      authorization: `DPoP ${stolen}`,
      dpop: owner.proof('GET', '/api/profile/', stolen),
    });
    expect(served).toEqual({ status: 200, body: PROFILE_BODY });
  });
});
