import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustedForwardedFor } from '../../src/http/forwarded-for.js';
import { bearer, createTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'correct horse';

describe('X-Forwarded-For from a trusted proxy', () => {
  let server: TestServer;
  beforeAll(async () => {
    // app.inject connects from 127.0.0.1: the proxy.
    server = await createTestServer({ TESSERA_TRUSTED_PROXIES: '127.0.0.1' });
    await server.createUser('alice', PASSWORD);
  });
  afterAll(() => server.close());

  /** Logs in through the proxy with `forwarded` and returns the address the new session records. */
  const sessionAddress = async (forwarded: string) => {
    const login = await server.post(
      '/api/token/',
      { username: 'alice', password: PASSWORD },
      {
        'x-forwarded-for': forwarded,
      },
    );
    expect(login.statusCode).toBe(200);
    const { access } = login.json<{ access: string }>();
    const sessions = await server.app.inject({ method: 'GET', url: '/api/sessions/', headers: bearer(access) });
    expect(sessions.statusCode).toBe(200);
    return sessions.json<Array<{ ip: string; current: boolean }>>().find((session) => session.current)?.ip;
  };

  it.each([
    ['an IPv4 address', '203.0.113.7', '203.0.113.7'],
    ['an IPv6 address', '2001:db8::7', '2001:db8::7'],
    ['a chain: the nearest untrusted hop', '198.51.100.1, 203.0.113.7', '203.0.113.7'],
    ['70 digits, longer than the address column', '1'.repeat(70), '127.0.0.1'],
    ['a 100-character IPv6 zone', `fe80::1%${'a'.repeat(100)}`, '127.0.0.1'],
    ['markup', '<script>alert(1)</script>', '127.0.0.1'],
    ['an address with a port', '203.0.113.7:4711', '127.0.0.1'],
    ['an address behind markup: nothing left of the markup is believed', '203.0.113.7, <b>x</b>', '127.0.0.1'],
    ['markup behind an address', '<b>x</b>, 203.0.113.7', '203.0.113.7'],
  ])('%s: the session records %s', async (_name, forwarded, expected) => {
    expect(await sessionAddress(forwarded)).toBe(expected);
  });

  it('cuts a chain at its last entry that is not an address', () => {
    expect(trustedForwardedFor('198.51.100.1, unknown, 203.0.113.7 ,2001:db8::1')).toBe('203.0.113.7, 2001:db8::1');
    expect(trustedForwardedFor('unknown')).toBe('');
  });
});
