import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryReplayCache, createVerifier, type DpopReplayCache, type Verifier } from '../src/index.js';
import tesseraPlugin from '../src/adapters/fastify.js';
import { tesseraExpress } from '../src/adapters/express.js';
import { tesseraHono, type TesseraEnv } from '../src/adapters/hono.js';
import { manualClock, type ManualClock } from './support/clock.js';
import {
  athOf,
  boundTokenCheckTable,
  dpopKey,
  dpopProof,
  proofCheckTable,
  type DpopKey,
  type ProofOptions,
} from './support/dpop.js';
import { refusalOf } from './support/refusal.js';
import { SERVICE, accessClaims, startStandIn, type StandIn } from './support/stand-in.js';

/** How Fastify's inject addresses the app: `htu` must name this origin. */
const ORIGIN = 'http://localhost';
const NOTES = `${ORIGIN}/notes`;
const DPOP_CHALLENGE = 'DPoP error="invalid_dpop_proof", algs="ES256 EdDSA"';
const refused = (detail: string) => ({ detail, code: 'invalid_dpop_proof' });

const thumbprintOf = (key: DpopKey) => {
  const { crv, kty, x, y } = key.publicJwk;
  return createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
};

let standIn: StandIn;
let clock: ManualClock;
let verifier: Verifier;
let kid: string;
let fastify: FastifyInstance;
let key: DpopKey;

beforeAll(async () => {
  standIn = await startStandIn();
  clock = manualClock();
  kid = await standIn.addKey('ES256');
  verifier = createVerifier({ url: standIn.url, service: SERVICE, clock });
  await verifier.ready();
  fastify = Fastify();
  await fastify.register(tesseraPlugin, { verifier });
  fastify.get('/notes', { preHandler: fastify.authenticate }, (request) => ({ user: request.user?.username }));
});

afterAll(async () => {
  await fastify.close();
  await verifier.close();
  await standIn.close();
});

beforeEach(() => {
  key = dpopKey();
});

const nowSeconds = () => Math.floor(clock.now() / 1000);
/** A token tessera would mint with `TESSERA_DPOP_ACCESS=on` for a session bound to `by`. */
const boundToken = (by: DpopKey = key, overrides: Record<string, unknown> = {}) =>
  standIn.sign(kid, accessClaims(clock.now(), { cnf: { jkt: thumbprintOf(by) }, ...overrides }));
/** A proof for `htu` and the access token `token`, as a client makes it. */
const proofFor =
  (token: string, htm = 'GET') =>
  (htu: string, options: ProofOptions = {}, by = key) =>
    dpopProof(by, htu, { htm, iat: nowSeconds(), ...options, claims: { ath: athOf(token), ...options.claims } });
const get = (headers: Record<string, string>, url = '/notes') =>
  fastify.inject({ method: 'GET', url, headers }).then((response) => ({
    status: response.statusCode,
    body: response.json<unknown>(),
    wwwAuthenticate: response.headers['www-authenticate'],
  }));
const refusal = (detail: string) => ({ status: 401, body: refused(detail), wwwAuthenticate: DPOP_CHALLENGE });

describe('DPoP-bound access tokens in a team API (@tessera/verify)', () => {
  it('Authorization: DPoP with a good proof is served', async () => {
    const token = await boundToken();
    for (let i = 0; i < 2; i++) {
      expect(await get({ authorization: `DPoP ${token}`, dpop: proofFor(token)(NOTES) })).toEqual({
        status: 200,
        body: { user: 'alice' },
        wwwAuthenticate: undefined,
      });
    }
  });

  it('a bound token as Bearer is refused, with a proof or without', async () => {
    const token = await boundToken();
    const detail = 'This access token is bound to a key: send it as Authorization: DPoP, with a proof.';
    expect(await get({ authorization: `Bearer ${token}` })).toEqual(refusal(detail));
    expect(await get({ authorization: `Bearer ${token}`, dpop: proofFor(token)(NOTES) })).toEqual(refusal(detail));
  });

  it('a bound token without a proof is refused', async () => {
    const token = await boundToken();
    expect(await get({ authorization: `DPoP ${token}` })).toEqual(
      refusal('This access token is bound to a key: the request needs its DPoP proof.'),
    );
  });

  it('an unbound token under the DPoP scheme is refused; as Bearer it is served as before', async () => {
    const token = await standIn.sign(kid, accessClaims(clock.now()));
    expect(await get({ authorization: `DPoP ${token}`, dpop: proofFor(token)(NOTES) })).toEqual(
      refusal('This access token is bound to no key: send it as Bearer.'),
    );
    expect((await get({ authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('a token whose cnf names no thumbprint is refused', async () => {
    for (const cnf of [{}, { jkt: 7 }, { jkt: 'short' }, 'jkt']) {
      const token = await standIn.sign(kid, accessClaims(clock.now(), { cnf }));
      expect(await get({ authorization: `DPoP ${token}`, dpop: proofFor(token)(NOTES) })).toEqual(
        refusal('The access token is bound to no key a proof could name.'),
      );
    }
  });

  it('a token that is not valid is refused as before, whatever the proof', async () => {
    const token = await boundToken(key, { exp: nowSeconds() - 1 });
    const answer = await get({ authorization: `DPoP ${token}`, dpop: proofFor(token)(NOTES) });
    expect([answer.status, (answer.body as { code: string }).code]).toEqual([401, 'token_not_valid']);
  });

  describe('the check table: each refused, and the owner carries on', () => {
    let token = '';
    const make = (htu: string, options?: ProofOptions, by?: DpopKey) => proofFor(token)(htu, options, by);
    it.each([
      ...proofCheckTable(make, () => key, nowSeconds, `${ORIGIN}/other`, 'GET'),
      ...boundTokenCheckTable(make, 'another.access.token'),
    ])('%s', async (_name, bad, detail) => {
      token = await boundToken();
      expect(await get({ authorization: `DPoP ${token}`, dpop: bad(NOTES) })).toEqual(refusal(detail));
      expect((await get({ authorization: `DPoP ${token}`, dpop: proofFor(token)(NOTES) })).status).toBe(200);
    });

    it('a proof replayed is refused', async () => {
      token = await boundToken();
      const captured = proofFor(token)(NOTES);
      expect((await get({ authorization: `DPoP ${token}`, dpop: captured })).status).toBe(200);
      expect(await get({ authorization: `DPoP ${token}`, dpop: captured })).toEqual(
        refusal('The DPoP proof has been used before.'),
      );
    });

    it('two DPoP headers are refused', async () => {
      token = await boundToken();
      const response = await fastify.inject({
        method: 'GET',
        url: '/notes',
        headers: { authorization: `DPoP ${token}`, dpop: [proofFor(token)(NOTES), proofFor(token)(NOTES)] },
      });
      expect([response.statusCode, response.json()]).toEqual([
        401,
        refused('The DPoP proof is not a single compact JWS.'),
      ]);
    });

    it('a query in the request URL or in htu is not compared', async () => {
      token = await boundToken();
      const answer = await get(
        { authorization: `DPoP ${token}`, dpop: proofFor(token)(`${NOTES}?other=1#top`) },
        '/notes?page=2',
      );
      expect(answer.status).toBe(200);
    });
  });

  describe('verify() and authenticateRequest without the request', () => {
    it('verify(token) alone refuses a bound token: a caller that does not pass the request cannot be fooled', async () => {
      const token = await boundToken();
      expect(await refusalOf(verifier.verify(token))).toEqual({
        code: 'invalid_dpop_proof',
        status: 401,
        body: refused('This access token is bound to a key: the request needs its DPoP proof.'),
        headers: { 'www-authenticate': DPOP_CHALLENGE },
      });
    });

    it('verify(token, request) accepts a good proof', async () => {
      const token = await boundToken();
      const claims = await verifier.verify(token, {
        scheme: 'dpop',
        method: 'GET',
        url: 'https://api.example.com/notes?page=1',
        proof: proofFor(token)('https://api.example.com/notes'),
      });
      expect(claims.cnf).toEqual({ jkt: thumbprintOf(key) });
    });
  });

  describe('the replay cache', () => {
    const request = (proof: string) => ({
      scheme: 'dpop' as const,
      method: 'GET',
      url: NOTES,
      proof,
    });

    it("a team's shared cache: a proof used at one process is refused at another", async () => {
      const shared = new Map<string, number>();
      const cache: DpopReplayCache = {
        remember: (id, until) => {
          if (shared.has(id)) return false;
          shared.set(id, until);
          return Promise.resolve(true);
        },
      };
      const start = () => createVerifier({ url: standIn.url, service: SERVICE, clock, dpopReplayCache: cache });
      const [one, two] = [start(), start()];
      try {
        const token = await boundToken();
        const proof = proofFor(token)(NOTES);
        await one.verify(token, request(proof));
        expect((await refusalOf(two.verify(token, request(proof)))).body).toEqual(
          refused('The DPoP proof has been used before.'),
        );
        expect(shared.size).toBe(1);
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });

    it('a cache that fails answers 503, never accepts', async () => {
      const down = createVerifier({
        url: standIn.url,
        service: SERVICE,
        clock,
        dpopReplayCache: { remember: () => Promise.reject(new Error('ECONNREFUSED')) },
      });
      try {
        const token = await boundToken();
        expect(await refusalOf(down.verify(token, request(proofFor(token)(NOTES))))).toEqual({
          code: 'service_unavailable',
          status: 503,
          body: {
            detail: 'Cannot verify the DPoP proof: its replay cache is unreachable. Try again shortly.',
            code: 'service_unavailable',
          },
          headers: { 'retry-after': '1' },
        });
      } finally {
        await down.close();
      }
    });

    it('a cache without remember() is a TypeError at creation', () => {
      expect(() =>
        createVerifier({ url: standIn.url, service: SERVICE, dpopReplayCache: {} as unknown as DpopReplayCache }),
      ).toThrow(
        new TypeError(
          'createVerifier: `dpopReplayCache` must have remember(id, untilMs) answering true the first time.',
        ),
      );
    });

    it('the memory cache forgets an id once its time has passed, and refuses past its bound', () => {
      const cache = createMemoryReplayCache(clock, 2);
      const until = clock.now() + 61_000;
      expect([cache.remember('a', until), cache.remember('a', until)]).toEqual([true, false]);
      expect([cache.remember('b', until), cache.remember('c', until)]).toEqual([true, false]);
      clock.advance(61);
      expect([cache.remember('a', clock.now() + 61_000), cache.remember('c', clock.now() + 61_000)]).toEqual([
        true,
        true,
      ]);
    });
  });
});

describe('every adapter passes the request: Express and Hono', () => {
  let expressServer: Server;
  let expressUrl: string;
  const hono = new Hono<TesseraEnv>();
  beforeAll(async () => {
    const app = express();
    app.get('/notes', tesseraExpress(verifier).authenticate, (req, res) => void res.json({ user: req.user?.username }));
    expressServer = await new Promise<Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
    expressUrl = `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}/notes`;
    hono.get('/notes', tesseraHono(verifier).authenticate, (c) => c.json({ user: c.var.user.username }));
  });
  afterAll(() => new Promise((resolve) => expressServer.close(resolve)));

  it('Express: over HTTP, htu names the URL the client addressed', async () => {
    const token = await boundToken();
    const send = (headers: Record<string, string>) =>
      fetch(expressUrl, { headers }).then(async (response) => [response.status, await response.json()]);
    expect(await send({ authorization: `DPoP ${token}`, dpop: proofFor(token)(expressUrl) })).toEqual([
      200,
      { user: 'alice' },
    ]);
    expect(await send({ authorization: `Bearer ${token}` })).toEqual([
      401,
      refused('This access token is bound to a key: send it as Authorization: DPoP, with a proof.'),
    ]);
    expect(await send({ authorization: `DPoP ${token}`, dpop: proofFor(token)(NOTES) })).toEqual([
      401,
      refused('The DPoP proof htu does not match the request URL.'),
    ]);
  });

  it('Hono: htu names c.req.url', async () => {
    const token = await boundToken();
    const send = (headers: Record<string, string>) =>
      Promise.resolve(hono.request('/notes', { headers })).then(async (response) => [
        response.status,
        await response.json(),
      ]);
    expect(await send({ authorization: `DPoP ${token}`, dpop: proofFor(token)(NOTES) })).toEqual([
      200,
      { user: 'alice' },
    ]);
    expect(await send({ authorization: `DPoP ${token}`, dpop: proofFor(token)(NOTES, {}, dpopKey()) })).toEqual([
      401,
      refused('The DPoP proof is signed by another key than the access token is bound to.'),
    ]);
  });
});
