import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';

const throttled = (seconds: number) => ({
  detail: `Request was throttled. Expected available in ${seconds} seconds.`,
  code: 'throttled',
});
const INVALID = { detail: 'Token is invalid', code: 'token_not_valid' };

describe('refresh limits: per session, and per address for unusable tokens only (the defaults)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await createTestServer({ TESSERA_RATE_LIMITS: '' });
    await server.createUser('alice', 'alices password');
    await server.createUser('bob', 'bobs password');
  });
  afterEach(() => server.close());

  const refresh = (token: string, ip = '198.51.100.1') =>
    server.app.inject({ method: 'POST', url: '/api/token/refresh/', payload: { refresh: token }, remoteAddress: ip });
  const expectAnswer = (response: Awaited<ReturnType<typeof refresh>>, status: number, body: unknown) => {
    expect({ status: response.statusCode, body: response.json<unknown>() }).toEqual({ status, body });
  };
  /** Refreshes `times` times in a row from `ip`, each with the token the last one returned; the last token. */
  const refreshRepeatedly = async (token: string, times: number, ip?: string) => {
    for (let i = 0; i < times; i++) {
      const response = await refresh(token, ip);
      expect(response.statusCode).toBe(200);
      token = response.json<{ refresh: string }>().refresh;
    }
    return token;
  };

  it('gives each session its own 10 refreshes a minute, however many share an address', async () => {
    const alice = await refreshRepeatedly((await server.login('alice', 'alices password')).refresh, 10);
    await refreshRepeatedly((await server.login('bob', 'bobs password')).refresh, 10);
    expectAnswer(await refresh(alice), 429, throttled(60));
    expectAnswer(await refresh(alice, '198.51.100.2'), 429, throttled(60));
    server.clock.advance(60);
    expect((await refresh(alice)).statusCode).toBe(200);
  });

  it('lets 20 junk refreshes from one client leave every other user at the address refreshing', async () => {
    const { refresh: token } = await server.login('alice', 'alices password');
    for (let i = 0; i < 20; i++) expectAnswer(await refresh(`junk${i}`), 401, INVALID);
    expect((await refresh(token)).statusCode).toBe(200);
  });

  it('refuses an address after 100 unusable refresh tokens in a minute, and no other address', async () => {
    const { refresh: token } = await server.login('alice', 'alices password');
    for (let i = 0; i < 100; i++) expectAnswer(await refresh(`junk${i}`), 401, INVALID);
    expectAnswer(await refresh('junk'), 429, throttled(60));
    expectAnswer(await refresh(token), 429, throttled(60));
    expect((await refresh(token, '198.51.100.2')).statusCode).toBe(200);
  });

  it('counts against a session only once the token verifies: a forged sid spends nothing', async () => {
    const { refresh: token } = await server.login('alice', 'alices password');
    const [header, payload, signature = ''] = token.split('.');
    const forged = `${header}.${payload}.${signature.slice(0, -4)}AAAA`;
    for (let i = 0; i < 15; i++) expectAnswer(await refresh(forged, `198.51.100.${10 + i}`), 401, INVALID);
    await refreshRepeatedly(token, 10);
  });
});
