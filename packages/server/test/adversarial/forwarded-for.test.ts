/**
 * Hostile X-Forwarded-For values on a login. Where a proxy is trusted (the
 * PostgreSQL run), the header is read: whatever it says, the login succeeds
 * and the session records an IP address, never the string sent.
 */
import { isIP } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, createHostileServer, type HostileServer } from './support.js';

const HOSTILE_FORWARDED_FOR = [
  ['65 characters', '1'.repeat(65)],
  ['4 KiB', 'a'.repeat(4096)],
  ['markup', '<script>alert(document.cookie)</script>'],
  ['SQL', "127.0.0.1' OR '1'='1"],
  ['a quote and a backslash', '"\\'],
  ['an IPv6 zone of 100 characters', `fe80::1%${'z'.repeat(100)}`],
  ['an address with a port', '203.0.113.9:443'],
  ['a CIDR range', '10.0.0.0/8'],
  ['ten thousand commas', ','.repeat(10_000)],
  ['Latin-1 bytes', 'caf\u00e9'],
  ['a hostile entry behind an address', '203.0.113.9, <b>'],
] as const;

describe('hostile X-Forwarded-For on a login', () => {
  let server: HostileServer;
  beforeAll(async () => {
    server = await createHostileServer();
  });
  afterAll(() => server.close());

  it.each(HOSTILE_FORWARDED_FOR)('%s: 200, and the session records an IP address', async (_name, forwarded) => {
    const login = await server.post('/api/token/', ALICE, { 'x-forwarded-for': forwarded });
    expect(login.statusCode).toBe(200);
    const { access } = login.json<{ access: string }>();
    const sessions = await server.inject({
      method: 'GET',
      url: '/api/sessions/',
      headers: { authorization: `Bearer ${access}` },
    });
    expect(sessions.statusCode).toBe(200);
    const current = sessions.json<Array<{ ip: string; current: boolean }>>().find((session) => session.current);
    expect(isIP(current?.ip ?? '')).not.toBe(0);
  });
});
