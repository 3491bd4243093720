import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { securityHeaders } from '../../src/http/security-headers.js';
import { createTestServer, type TestServer } from '../support/server.js';

/** What every API answer carries, and nothing more of helmet's. */
const API_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/** Helmet's headers that only documents need. */
const DOCUMENT_ONLY = [
  'cross-origin-opener-policy',
  'origin-agent-cluster',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

describe('security headers', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await createTestServer();
    await server.createUser('alice', 'correct horse battery');
  });
  afterEach(() => server.close());

  it.each([
    ['a login', () => server.post('/api/token/', { username: 'alice', password: 'correct horse battery' }), 200],
    ['a refused login', () => server.post('/api/token/', {}), 400],
    [
      'a login whose path is percent-encoded',
      () => server.post('/%61pi/token/', { username: 'alice', password: 'correct horse battery' }),
      200,
    ],
    ['a refresh whose path is percent-encoded', () => server.post('/api/%74oken/refresh/', { refresh: 'x' }), 401],
    ['a protected GET without a token', () => server.app.inject({ method: 'GET', url: '/api/profile/' }), 401],
    ['an unknown API path', () => server.app.inject({ method: 'GET', url: '/api/nothing/' }), 404],
  ])('gives %s the API set', async (_name, send, status) => {
    const response = await send();
    expect(response.statusCode).toBe(status);
    expect(response.headers).toMatchObject(API_HEADERS);
    for (const name of DOCUMENT_ONLY) expect(response.headers[name]).toBeUndefined();
  });

  it.each(['/healthz', '/api/docs/'])("gives %s helmet's full set, without no-store", async (url) => {
    const response = await server.app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject(securityHeaders());
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['cache-control']).toBeUndefined();
  });
});
