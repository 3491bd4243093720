import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '../src/index.js';
import tesseraPlugin, { requirePermission, requireRole, requireStaff } from '../src/adapters/fastify.js';
import { tesseraExpress } from '../src/adapters/express.js';
import { tesseraHono, type TesseraEnv } from '../src/adapters/hono.js';
import { manualClock, type ManualClock } from './support/clock.js';
import { tokenBody } from './support/refusal.js';
import { SERVICE, accessClaims, compact, startStandIn, type StandIn } from './support/stand-in.js';

/** An answer as the tests compare it. */
interface Answer {
  status: number;
  body: unknown;
  wwwAuthenticate: string | undefined;
}

/** One app per framework, each serving the same four routes; `get` sends a request to it. */
interface Target {
  name: string;
  get(path: string, authorization?: string): Promise<Answer>;
}

const NOT_PROVIDED = { detail: 'Authentication credentials were not provided.' };
const BAD_HEADER = {
  detail: 'Authorization header must contain two space-delimited values',
  code: 'bad_authorization_header',
};
const FORBIDDEN = { detail: 'You do not have permission to perform this action.', code: 'permission_denied' };

let standIn: StandIn;
let clock: ManualClock;
let verifier: Verifier;
let kid: string;
let fastify: FastifyInstance;
let expressServer: Server;
const targets: Target[] = [];

const bearer = async (overrides: Record<string, unknown> = {}) =>
  `Bearer ${await standIn.sign(kid, accessClaims(clock.now(), overrides))}`;

beforeAll(async () => {
  standIn = await startStandIn();
  clock = manualClock();
  kid = await standIn.addKey('EdDSA');
  verifier = createVerifier({ url: standIn.url, service: SERVICE, clock });
  await verifier.ready();

  fastify = Fastify();
  await fastify.register(tesseraPlugin, { verifier });
  fastify.get('/me', { preHandler: fastify.authenticate }, (request) => ({ user: request.user?.username }));
  fastify.get('/notes', { preHandler: requirePermission('notes.view') }, (request) => ({
    user: request.user?.username,
  }));
  fastify.get('/edit', { preHandler: requireRole('editor') }, (request) => ({ user: request.user?.username }));
  fastify.get('/admin', { preHandler: requireStaff() }, (request) => ({ user: request.user?.username }));
  targets.push({
    name: 'fastify',
    async get(path, authorization) {
      const response = await fastify.inject({
        url: path,
        headers: authorization === undefined ? {} : { authorization },
      });
      return {
        status: response.statusCode,
        body: response.json(),
        wwwAuthenticate: response.headers['www-authenticate'] as string | undefined,
      };
    },
  });

  const auth = tesseraExpress(verifier);
  const app = express();
  app.get('/me', auth.authenticate, (req, res) => void res.json({ user: req.user?.username }));
  app.get('/notes', auth.requirePermission('notes.view'), (req, res) => void res.json({ user: req.user?.username }));
  app.get('/edit', auth.requireRole('editor'), (req, res) => void res.json({ user: req.user?.username }));
  app.get('/admin', auth.requireStaff(), (req, res) => void res.json({ user: req.user?.username }));
  expressServer = await new Promise<Server>((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
  const expressUrl = `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`;
  targets.push({ name: 'express', get: (path, authorization) => overHttp(`${expressUrl}${path}`, authorization) });

  const honoAuth = tesseraHono(verifier);
  const hono = new Hono<TesseraEnv>();
  hono.get('/me', honoAuth.authenticate, (c) => c.json({ user: c.var.user.username }));
  hono.get('/notes', honoAuth.requirePermission('notes.view'), (c) => c.json({ user: c.var.user.username }));
  hono.get('/edit', honoAuth.requireRole('editor'), (c) => c.json({ user: c.var.user.username }));
  hono.get('/admin', honoAuth.requireStaff(), (c) => c.json({ user: c.var.user.username }));
  targets.push({
    name: 'hono',
    async get(path, authorization) {
      const response = await hono.request(path, { headers: authorization === undefined ? {} : { authorization } });
      return {
        status: response.status,
        body: await response.json(),
        wwwAuthenticate: response.headers.get('www-authenticate') ?? undefined,
      };
    },
  });
});

afterAll(async () => {
  await fastify.close();
  await new Promise((resolve) => expressServer.close(resolve));
  await verifier.close();
  await standIn.close();
});

async function overHttp(url: string, authorization: string | undefined): Promise<Answer> {
  const response = await fetch(url, { headers: authorization === undefined ? {} : { authorization } });
  return {
    status: response.status,
    body: await response.json(),
    wwwAuthenticate: response.headers.get('www-authenticate') ?? undefined,
  };
}

describe.each(['fastify', 'express', 'hono'])('%s', (name) => {
  const target = () => targets.find((t) => t.name === name) as Target;

  it('a valid token: 200, and the handler sees the claims', async () => {
    expect(await target().get('/me', await bearer())).toEqual({
      status: 200,
      body: { user: 'alice' },
      wwwAuthenticate: undefined,
    });
    expect((await target().get('/notes', await bearer())).status).toBe(200);
    expect((await target().get('/edit', await bearer())).status).toBe(200);
    expect((await target().get('/admin', await bearer({ is_staff: true }))).status).toBe(200);
  });

  it.each([
    ['no Authorization header', undefined, NOT_PROVIDED],
    ['another scheme', 'Basic abc', NOT_PROVIDED],
    ['Bearer with no token', 'Bearer', BAD_HEADER],
    ['Bearer with two tokens', 'Bearer a b', BAD_HEADER],
    ['a token that is not a JWS', 'Bearer not-a-token', tokenBody()],
    ['alg none', `Bearer ${compact({ alg: 'none', typ: 'JWT' }, { token_type: 'access' }, '')}`, tokenBody()],
  ])('%s: 401 with the contract body and WWW-Authenticate', async (_case, authorization, body) => {
    for (const path of ['/me', '/notes']) {
      expect(await target().get(path, authorization)).toEqual({
        status: 401,
        body,
        wwwAuthenticate: 'Bearer realm="api"',
      });
    }
  });

  it('an expired token and a refresh token: 401 with their messages', async () => {
    const expired = await bearer({ exp: Math.floor(clock.now() / 1000) - 1 });
    expect((await target().get('/me', expired)).body).toEqual(tokenBody('Token is expired'));
    expect((await target().get('/me', await bearer({ token_type: 'refresh' }))).body).toEqual(
      tokenBody('Token has wrong type'),
    );
  });

  it("guards: 403 with DRF's words when the claims do not allow it; superusers have every permission", async () => {
    const plain = await bearer({ permissions: [], role: 'viewer', is_staff: false });
    for (const path of ['/notes', '/edit', '/admin']) {
      expect(await target().get(path, plain)).toEqual({ status: 403, body: FORBIDDEN, wwwAuthenticate: undefined });
    }
    expect((await target().get('/notes', await bearer({ permissions: [], is_superuser: true }))).status).toBe(200);
  });
});

describe('a stale feed through the adapters', () => {
  it('503 revocations_unavailable with Retry-After, for every framework', async () => {
    const stale = createVerifier({ url: standIn.url, service: { name: 'notes', secret: 'wrong' }, clock });
    const honoApp = new Hono<TesseraEnv>().get('/me', tesseraHono(stale).authenticate, (c) => c.json({}));
    const fastifyApp = Fastify();
    await fastifyApp.register(tesseraPlugin, { verifier: stale });
    fastifyApp.get('/me', { preHandler: fastifyApp.authenticate }, () => ({}));
    const authorization = await bearer();
    clock.advance(31);
    const body = {
      detail: 'Cannot confirm the token is still valid. Try again shortly.',
      code: 'revocations_unavailable',
    };
    const viaHono = await honoApp.request('/me', { headers: { authorization } });
    expect([viaHono.status, await viaHono.json(), Number(viaHono.headers.get('retry-after')) >= 1]).toEqual([
      503,
      body,
      true,
    ]);
    const viaFastify = await fastifyApp.inject({ url: '/me', headers: { authorization } });
    expect([viaFastify.statusCode, viaFastify.json(), Number(viaFastify.headers['retry-after']) >= 1]).toEqual([
      503,
      body,
      true,
    ]);
    clock.advance(-31);
    await fastifyApp.close();
    await stale.close();
  });
});

describe('the fastify plugin given options', () => {
  it('creates its own verifier and closes it with the app', async () => {
    const app = Fastify();
    await app.register(tesseraPlugin, { url: standIn.url, service: SERVICE, clock });
    app.get('/me', { preHandler: app.authenticate }, (request) => ({ user: request.user?.user_id }));
    await app.ready();
    await app.verifier.ready();
    const response = await app.inject({ url: '/me', headers: { authorization: await bearer() } });
    expect([response.statusCode, response.json()]).toEqual([200, { user: '42' }]);
    await app.close();
    await expect(app.verifier.verify('x')).rejects.toThrow(/after close/);
  });
});
