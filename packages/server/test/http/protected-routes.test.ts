import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestServer, type TestServer } from '../support/server.js';

interface Operation {
  method: string;
  path: string;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { security?: unknown[] }>>;
}

let server: TestServer;
let operations: { protected: Operation[]; open: Operation[] };

beforeAll(async () => {
  server = await createTestServer();
  const schema = await server.app.inject({ method: 'GET', url: '/api/schema/' });
  expect(schema.statusCode).toBe(200);
  operations = { protected: [], open: [] };
  for (const [path, methods] of Object.entries(schema.json<OpenApiDocument>().paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      // OpenAPI writes `/api/sessions/{id}/`; any id will do, the credentials are checked first.
      const concrete = { method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x') };
      const secured = (operation.security ?? []).length > 0;
      (secured ? operations.protected : operations.open).push(concrete);
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
