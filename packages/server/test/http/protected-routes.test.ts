import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestServer, type TestServer } from '../support/server.js';

interface Operation {
  method: string;
  path: string;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>;
}

let server: TestServer;
/** `protected`: Bearer (an access token); `service`: HTTP Basic (a service's name and secret). */
let operations: { protected: Operation[]; service: Operation[]; open: Operation[] };

beforeAll(async () => {
  server = await createTestServer();
  const schema = await server.app.inject({ method: 'GET', url: '/api/schema/' });
  expect(schema.statusCode).toBe(200);
  operations = { protected: [], service: [], open: [] };
  for (const [path, methods] of Object.entries(schema.json<OpenApiDocument>().paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      // OpenAPI writes `/api/sessions/{id}/`; any id will do, the credentials are checked first.
      const concrete = { method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x') };
      const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
      if (schemes.length === 0) operations.open.push(concrete);
      else if (schemes.every((scheme) => scheme === 'basicAuth')) operations.service.push(concrete);
      else operations.protected.push(concrete);
    }
  }
});

afterAll(() => server.close());

describe('every route the OpenAPI document marks as protected', () => {
  it('is found in the document, with the ones every client knows', () => {
    expect(operations.protected).toEqual(
      expect.arrayContaining([
        { method: 'GET', path: '/api/profile/' },
        { method: 'POST', path: '/api/token/revoke/' },
        { method: 'GET', path: '/api/audit/' },
      ]),
    );
    expect(operations.open).toEqual(expect.arrayContaining([{ method: 'POST', path: '/api/token/' }]));
  });

  it('answers 401 without credentials, before it reads the body', async () => {
    for (const { method, path } of operations.protected) {
      const response = await server.app.inject({ method: method as 'GET', url: path, payload: {} });
      expect([method, path, response.statusCode, response.json()]).toEqual([
        method,
        path,
        401,
        { detail: 'Authentication credentials were not provided.' },
      ]);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
    }
  });

  it('answers 401 to a token that is not one', async () => {
    for (const { method, path } of operations.protected) {
      const response = await server.app.inject({ method: method as 'GET', url: path, headers: bearer('not.a.token') });
      expect([method, path, response.statusCode, response.json<{ code: string }>().code]).toEqual([
        method,
        path,
        401,
        'token_not_valid',
      ]);
    }
  });
});

describe('every route the OpenAPI document marks for services (HTTP Basic)', () => {
  it('is found in the document: the revocation feed', () => {
    expect(operations.service).toEqual([{ method: 'GET', path: '/api/token/revocations/' }]);
  });

  it('answers 401 with a Basic challenge without credentials, and to a Bearer token', async () => {
    const { access } = await loginOnce();
    for (const { method, path } of operations.service) {
      for (const headers of [{}, bearer(access)]) {
        const response = await server.app.inject({ method: method as 'GET', url: path, headers });
        expect([method, path, response.statusCode, response.json()]).toEqual([
          method,
          path,
          401,
          { detail: 'Authentication credentials were not provided.' },
        ]);
        expect(response.headers['www-authenticate']).toBe('Basic realm="tessera"');
      }
    }
  });

  it('answers 401 service_credentials_invalid to a name and secret that are no service', async () => {
    const authorization = `Basic ${Buffer.from('nobody:tsvc_guess').toString('base64')}`;
    for (const { method, path } of operations.service) {
      const response = await server.app.inject({ method: method as 'GET', url: path, headers: { authorization } });
      expect([method, path, response.statusCode, response.json()]).toEqual([
        method,
        path,
        401,
        { detail: 'Invalid service name or secret.', code: 'service_credentials_invalid' },
      ]);
    }
  });
});

let pair: { access: string; refresh: string } | undefined;
async function loginOnce() {
  if (pair === undefined) {
    await server.createUser('alice', 'correct horse');
    pair = await server.login('alice', 'correct horse');
  }
  return pair;
}

describe('a route the document leaves open', () => {
  it('never asks for credentials', async () => {
    for (const { method, path } of operations.open) {
      const response = await server.app.inject({ method: method as 'GET', url: path, payload: {} });
      expect([method, path, response.json<{ detail?: string }>().detail]).not.toEqual([
        method,
        path,
        'Authentication credentials were not provided.',
      ]);
    }
  });
});
