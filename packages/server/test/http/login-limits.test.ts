import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { UserRecord } from '../../src/store/types.js';
import { createTestServer, type TestServer } from '../support/server.js';

const PASSWORD = 'correct horse';
const throttled = (seconds: number) => ({
  detail: `Request was throttled. Expected available in ${seconds} seconds.`,
  code: 'throttled',
});
const BAD_CREDENTIALS = { detail: 'No active account found with the given credentials' };

/** A server behind a trusted proxy, with alice, and a login from the address `ip` names. */
function setUp(rateLimits: string) {
  const context = {} as { server: TestServer; alice: UserRecord };
  beforeEach(async () => {
    context.server = await createTestServer({ TESSERA_RATE_LIMITS: rateLimits, TESSERA_TRUSTED_PROXIES: '127.0.0.1' });
    context.alice = await context.server.createUser('alice', PASSWORD);
  });
  afterEach(() => context.server.close());
  const login = (username: string, password: string, ip: string) =>
    context.server.post('/api/token/', { username, password }, { 'x-forwarded-for': ip });
  return { context, login };
}

const expectAnswer = (response: LightMyRequestResponse, status: number, body: unknown) => {
  expect({ status: response.statusCode, body: response.json<unknown>() }).toEqual({ status, body });
};

describe('login limits by address (the defaults)', () => {
  const { context, login } = setUp('');

  it('counts only failed logins against an address: 30 users behind one address all log in', async () => {
    for (let i = 0; i < 29; i++) {
      await context.server.store.createUser({ ...context.alice, username: `colleague${i}`, email: '', dateJoined: 0 });
    }
    const names = ['alice', ...Array.from({ length: 29 }, (_, i) => `colleague${i}`)];
    for (const name of names) expect((await login(name, PASSWORD, '198.51.100.1')).statusCode).toBe(200);
  });

  it('lets 25 junk logins from one client at an address leave its other users able to log in', async () => {
    for (let i = 0; i < 25; i++) expect((await login(`junk${i}`, 'guess', '198.51.100.1')).statusCode).toBe(401);
    expectAnswer(await login('alice', PASSWORD, '198.51.100.1'), 200, expect.any(Object));
  });

  it('refuses the 61st failed login from one address in a minute, whatever the username', async () => {
    for (let i = 0; i < 60; i++) expectAnswer(await login(`user${i}`, 'guess', '198.51.100.1'), 401, BAD_CREDENTIALS);
    expectAnswer(await login('alice', PASSWORD, '198.51.100.1'), 429, throttled(60));
    expectAnswer(await login('alice', PASSWORD, '198.51.100.2'), 200, expect.any(Object));
  });

  it('keys IPv6 clients by /64: five wrong passwords from five addresses of one /64 throttle a sixth', async () => {
    for (let i = 1; i <= 5; i++) {
      expectAnswer(await login('alice', 'guess', `2001:db8:1:2::${i.toString(16)}`), 401, BAD_CREDENTIALS);
    }
    expectAnswer(await login('alice', PASSWORD, '2001:db8:1:2:ffff:ffff:ffff:ffff'), 429, throttled(60));
    expectAnswer(await login('alice', PASSWORD, '2001:db8:1:3::1'), 200, expect.any(Object));
  });

  it('stops 100 failed logins an hour of one username spread over 100 addresses', async () => {
    for (let i = 0; i < 100; i++) expect((await login('alice', 'guess', `203.0.${i >> 4}.${i}`)).statusCode).toBe(401);
    expectAnswer(await login('alice', PASSWORD, '198.51.100.200'), 429, throttled(3600));
  });
});

describe('the per-username ceiling on failed logins (set to 10 an hour)', () => {
  const { context, login } = setUp('obtain_username=10/hour');

  it('stops failed logins of one username spread over many addresses at the ceiling, for known and unknown names', async () => {
    for (let i = 0; i < 10; i++) {
      expectAnswer(await login('alice', 'guess', `203.0.113.${i}`), 401, BAD_CREDENTIALS);
      expectAnswer(await login('nobody', 'guess', `203.0.113.${i}`), 401, BAD_CREDENTIALS);
    }
    // Even the right password, from an address the account never used: no hint that it was right.
    const known = await login('alice', PASSWORD, '203.0.113.200');
    const unknown = await login('nobody', 'guess', '203.0.113.201');
    expectAnswer(known, 429, throttled(3600));
    expect(unknown.body).toBe(known.body);
    context.server.clock.advance(3600);
    expectAnswer(await login('alice', PASSWORD, '203.0.113.200'), 200, expect.any(Object));
  });

  it('still lets the owner log in past the ceiling from an address the account has a session from', async () => {
    expect((await login('alice', PASSWORD, '192.0.2.7')).statusCode).toBe(200);
    for (let i = 0; i < 11; i++) await login('alice', 'guess', `203.0.113.${i}`);
    expectAnswer(await login('alice', PASSWORD, '203.0.113.99'), 429, throttled(3600));
    // From the known address a wrong password is still only a wrong password, and the right one works.
    expectAnswer(await login('alice', 'guess', '192.0.2.7'), 401, BAD_CREDENTIALS);
    expectAnswer(await login('alice', PASSWORD, '192.0.2.7'), 200, expect.any(Object));
  });

  it('does not count a successful login towards the per-username ceiling', async () => {
    for (let i = 0; i < 9; i++) await login('alice', 'guess', `203.0.113.${i}`);
    for (let i = 0; i < 3; i++) expect((await login('alice', PASSWORD, `198.51.100.${i}`)).statusCode).toBe(200);
    expectAnswer(await login('alice', 'guess', '203.0.113.50'), 401, BAD_CREDENTIALS);
    expectAnswer(await login('alice', 'guess', '203.0.113.51'), 429, throttled(3600));
  });
});
