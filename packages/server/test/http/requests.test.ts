import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';

describe('request handling', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer({ TESSERA_CORS_ORIGINS: 'http://localhost:3000' });
    await server.createUser('alice', 'correct horse');
  });
  afterAll(() => server.close());

  const send = (method: string, url: string, payload?: string, headers: Record<string, string> = {}) =>
    server.app.inject({ method: method as 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });

  describe('media types', () => {
    it.each(['text/plain', 'text/plain; charset=utf-8', 'multipart/form-data; boundary=x', 'application/xml'])(
      'answers 415 naming %s',
      async (type) => {
        const response = await send('POST', '/api/token/', 'username=alice', { 'content-type': type });
        expect(response.statusCode).toBe(415);
        expect(response.json()).toEqual({ detail: `Unsupported media type "${type}" in request.` });
      },
    );

    it('accepts application/json with a charset', async () => {
      const response = await send('POST', '/api/token/', '{"username":"alice","password":"correct horse"}', {
        'content-type': 'application/json; charset=utf-8',
      });
      expect(response.statusCode).toBe(200);
    });

    it.each([
      ['{"username":', 'JSON parse error - Unexpected end of JSON input'],
      ['{bad}', "JSON parse error - Expected property name or '}' in JSON at position 1"],
      ['\ufeff{}', "JSON parse error - Unexpected token '\ufeff'"],
    ])('answers 400 to malformed JSON %j without echoing it', async (payload, detail) => {
      const response = await send('POST', '/api/token/', payload, { 'content-type': 'application/json' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ detail });
    });

    it.each([
      ['[]', 'list'],
      ['"text"', 'str'],
      ['7', 'int'],
      ['7.5', 'float'],
      ['true', 'bool'],
      ['null', 'NoneType'],
    ])('answers 400 to the JSON value %s, naming Python type %s', async (payload, type) => {
      const response = await send('POST', '/api/token/', payload, { 'content-type': 'application/json' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        non_field_errors: [`Invalid data. Expected a dictionary, but got ${type}.`],
      });
    });

    it('treats an empty JSON body as an empty object', async () => {
      const response = await send('POST', '/api/token/', '', { 'content-type': 'application/json' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        username: ['This field is required.'],
        password: ['This field is required.'],
      });
    });

    it('ignores unknown fields and __proto__', async () => {
      const response = await send(
        'POST',
        '/api/token/',
        '{"__proto__":{"admin":true},"username":"alice","password":"correct horse","extra":1}',
        { 'content-type': 'application/json' },
      );
      expect(response.statusCode).toBe(200);
    });

    it('answers 413 to a body over 16 KiB', async () => {
      const payload = JSON.stringify({ username: 'alice', password: 'x'.repeat(20_000) });
      const response = await send('POST', '/api/token/', payload, { 'content-type': 'application/json' });
      expect(response.statusCode).toBe(413);
      expect(response.json()).toEqual({ detail: 'Request body is too large.', code: 'payload_too_large' });
    });
  });

  describe('methods and paths', () => {
    it.each([
      ['GET', '/api/token/', 'POST, OPTIONS'],
      ['HEAD', '/api/token/', 'POST, OPTIONS'],
      ['PUT', '/api/token/refresh/', 'POST, OPTIONS'],
      ['DELETE', '/api/token/verify', 'POST, OPTIONS'],
      ['TRACE', '/api/token/blacklist/', 'POST, OPTIONS'],
      ['GET', '/api-token-auth/', 'POST, OPTIONS'],
      ['POST', '/healthz', 'GET, OPTIONS'],
    ])('answers 405 to %s %s with Allow: %s', async (method, url, allow) => {
      const response = await send(method, url);
      expect(response.statusCode).toBe(405);
      expect(response.body).toBe(
        method === 'HEAD' ? '' : JSON.stringify({ detail: `Method "${method}" not allowed.` }),
      );
      expect(response.headers.allow).toBe(allow);
    });

    it.each([
      ['PATCH', '/api/auth/logout/', 'POST, OPTIONS'],
      ['GET', '/api/token/revoke/', 'POST, OPTIONS'],
      ['POST', '/api/profile/', 'GET, PATCH, OPTIONS'],
      ['HEAD', '/api/profile/', 'GET, PATCH, OPTIONS'],
      ['DELETE', '/api/profile', 'GET, PATCH, OPTIONS'],
      ['OPTIONS', '/api/profile', 'GET, PATCH, OPTIONS'],
    ])('authenticates %s %s first, as DRF does, then answers 405 with Allow: %s', async (method, url, allow) => {
      const anonymous = await send(method, url);
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="api"');
      expect(anonymous.headers.allow).toBe(allow);
      const { access } = await server.login('alice', 'correct horse');
      const authenticated = await send(method, url, undefined, { authorization: `Bearer ${access}` });
      expect(authenticated.statusCode).toBe(method === 'OPTIONS' ? 200 : 405);
      expect(authenticated.headers.allow).toBe(allow);
    });

    it('sends Allow on every answer of a known path, as DRF views do', async () => {
      const login = await send('POST', '/api/token/', '{"username":"alice","password":"correct horse"}', {
        'content-type': 'application/json',
      });
      expect(login.statusCode).toBe(200);
      expect(login.headers.allow).toBe('POST, OPTIONS');
      const failed = await send('POST', '/api/token/refresh/', '{}', { 'content-type': 'application/json' });
      expect(failed.statusCode).toBe(400);
      expect(failed.headers.allow).toBe('POST, OPTIONS');
    });

    it('describes a known path on OPTIONS, with its fields', async () => {
      const response = await send('OPTIONS', '/api/token/refresh/');
      expect(response.statusCode).toBe(200);
      expect(response.headers.allow).toBe('POST, OPTIONS');
      expect(response.json()).toEqual({
        name: 'Token Refresh',
        description: expect.any(String) as unknown,
        renders: ['application/json'],
        parses: ['application/json', 'application/x-www-form-urlencoded'],
        actions: { POST: { refresh: { type: 'string', required: true, read_only: false, label: 'Refresh' } } },
      });
    });

    it('answers 404 with a JSON body elsewhere', async () => {
      const response = await send('GET', '/api/nothing/');
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ detail: 'Not found.', code: 'not_found' });
    });

    it('lists the routes at /', async () => {
      const response = await send('GET', '/');
      expect(response.statusCode).toBe(200);
      const body = response.json<{ routes: Array<{ path: string; method: string }> }>();
      expect(body.routes.map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /api/token/',
        'POST /api/token/refresh/',
        'POST /api/token/verify/',
        'POST /api/token/blacklist/',
        'POST /api/token/revoke/',
        'POST /api/token/revoke-all/',
        'POST /api/auth/logout/',
        'GET /api/profile/',
        'PATCH /api/profile/',
        'GET /api/sessions/',
        'DELETE /api/sessions/:id/',
        'POST /api/sessions/revoke-others/',
        'POST /api/password/change/',
        'POST /api/password/reset/',
        'POST /api/password/reset/confirm/',
        'POST /api/register/',
        'POST /api/email/verify/',
        'POST /api/email/verify/resend/',
        'GET /api/audit/',
        'GET /api/admin/users/',
        'POST /api/admin/users/',
        'GET /api/admin/users/:id/',
        'PATCH /api/admin/users/:id/',
        'DELETE /api/admin/users/:id/',
        'POST /api/admin/users/:id/password/',
        'GET /api/admin/users/:id/sessions/',
        'DELETE /api/admin/users/:id/sessions/:sid/',
        'POST /api/admin/users/:id/sessions/revoke-all/',
        'GET /api/csrf/',
        'GET /.well-known/jwks.json',
        'GET /.well-known/oauth-authorization-server',
        'GET /api/token/revocations/',
      ]);
    });

    it('answers /healthz', async () => {
      const response = await send('GET', '/healthz');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    });
  });

  describe('API docs', () => {
    it('serves an OpenAPI 3.1 document generated from the routes at /api/schema/', async () => {
      const response = await send('GET', '/api/schema/');
      expect(response.statusCode).toBe(200);
      const doc = response.json<{ openapi: string; paths: Record<string, unknown> }>();
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths).sort()).toEqual(
        [
          '/',
          '/api/audit/',
          '/api/admin/users/',
          '/api/admin/users/{id}/',
          '/api/admin/users/{id}/password/',
          '/api/admin/users/{id}/sessions/',
          '/api/admin/users/{id}/sessions/{sid}/',
          '/api/admin/users/{id}/sessions/revoke-all/',
          '/api/auth/logout/',
          '/api/csrf/',
          '/api/password/change/',
          '/api/password/reset/',
          '/api/password/reset/confirm/',
          '/api/profile/',
          '/api/register/',
          '/api/email/verify/',
          '/api/email/verify/resend/',
          '/api/sessions/',
          '/api/sessions/revoke-others/',
          '/api/sessions/{id}/',
          '/api/token/',
          '/api/token/blacklist/',
          '/api/token/refresh/',
          '/api/token/revoke-all/',
          '/api/token/revoke/',
          '/api/token/revocations/',
          '/api/token/verify/',
          '/healthz',
          '/readyz',
          '/.well-known/jwks.json',
          '/.well-known/oauth-authorization-server',
        ].sort(),
      );
    });

    it('serves a browsable page at /api/docs/', async () => {
      const response = await send('GET', '/api/docs/');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
    });
  });

  describe('CORS', () => {
    it('answers a preflight from a configured origin', async () => {
      const response = await send('OPTIONS', '/api/token/', undefined, {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      });
      expect(response.statusCode).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe('http://localhost:3000');
      expect(response.headers['access-control-allow-headers']).toBe('Authorization, Content-Type, X-CSRFToken, DPoP');
      expect(response.headers.vary).toContain('Origin');
    });

    it('grants nothing to another origin', async () => {
      const response = await send('POST', '/api/token/', '{}', {
        origin: 'http://evil.example',
        'content-type': 'application/json',
      });
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});

describe('TESSERA_PATH_PREFIX', () => {
  it('serves every API path under the prefix, and nothing at the bare path', async () => {
    const server = await createTestServer({ TESSERA_PATH_PREFIX: '/auth' });
    try {
      await server.createUser('alice', 'correct horse');
      const login = await server.post('/auth/api/token/', { username: 'alice', password: 'correct horse' });
      expect(login.statusCode).toBe(200);
      expect(login.headers['cache-control']).toBe('no-store');
      const { access } = login.json<{ access: string }>();
      const profile = await server.app.inject({
        method: 'GET',
        url: '/auth/api/profile',
        headers: { authorization: `Bearer ${access}` },
      });
      expect(profile.statusCode).toBe(200);
      const bare = await server.post('/api/token/', { username: 'alice', password: 'correct horse' });
      expect(bare.statusCode).toBe(404);
      expect((await server.app.inject({ method: 'GET', url: '/auth/api/schema/' })).statusCode).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('malformed URLs', () => {
  it.each(['/api/%zz', '/api/token/%E0%A4%A', '/%'])('answers 400 parse_error to %s', async (url) => {
    const server = await createTestServer();
    try {
      const response = await server.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ detail: 'Malformed request.', code: 'parse_error' });
    } finally {
      await server.close();
    }
  });
});
