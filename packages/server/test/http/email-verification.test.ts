import { afterEach, describe, expect, it } from 'vitest';
import { bearer, claimsOf, createTestServer, type TestServer } from '../support/server.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';

const OK = { detail: 'ok' };
const VERIFY = '/api/email/verify/';
const RESEND = '/api/email/verify/resend/';
const PUBLIC_URL = 'https://auth.example.com';
const refusal = (code: string, detail: string) => ({ detail, code });
const INVALID = refusal('verify_token_invalid', 'This verification link is invalid. Ask for a new one.');
const EXPIRED = refusal('verify_token_expired', 'This verification link has expired. Ask for a new one.');
const USED = refusal('verify_token_used', 'This verification link has already been used.');
const STALE = refusal(
  'verify_token_stale',
  "The account's address changed since this link was sent. Ask for a new one.",
);
const NOT_VERIFIED = refusal(
  'email_not_verified',
  'E-mail address is not verified. Follow the link in the verification mail, or ask for a new one.',
);

/** The token of the verification link in a message's plain-text body. */
function verifyTokenIn(text: string | undefined): string {
  const match = /\/verify-email\?token=([A-Za-z0-9_-]+)/.exec(text ?? '');
  if (match?.[1] === undefined) throw new Error(`no verification link in: ${text ?? ''}`);
  return match[1];
}

describe('e-mail verification through the mail outbox and a real SMTP server', () => {
  let server: TestServer;
  let smtp: TestSmtp;
  afterEach(async () => {
    await server.close();
    await smtp.close();
  });

  const start = async (mode: 'optional' | 'required', env: Record<string, string> = {}) => {
    smtp = await startTestSmtp();
    server = await createTestServer({
      TESSERA_SMTP_URL: smtp.url,
      TESSERA_EMAIL_FROM: 'no-reply@example.com',
      TESSERA_PUBLIC_URL: PUBLIC_URL,
      TESSERA_EMAIL_VERIFICATION: mode,
      TESSERA_REGISTRATION: 'open',
      ...env,
    });
  };
  const deliver = () => server.app.tessera.mail.deliverDue();
  const register = (username: string, email: string) =>
    server.post('/api/register/', { username, password: 'correct horse battery', email });
  /** Delivers what is due and returns the token of the `count`-th message. */
  const mailedToken = async (count: number) => {
    await deliver();
    return verifyTokenIn((await smtp.message(count)).text);
  };
  const profile = async (access: string) =>
    (await server.app.inject({ method: 'GET', url: '/api/profile/', headers: bearer(access) })).json<object>();
  const verify = (body: unknown) => server.post(VERIFY, body);

  it('registration mails a link; the token verifies the address once, and the profile says so', async () => {
    await start('optional');
    const created = await register('alice', 'alice@example.com');
    expect([created.statusCode, created.json()]).toEqual([
      201,
      {
        username: 'alice',
        first_name: '',
        last_name: '',
        email: 'alice@example.com',
        email_verified: false,
        pending_email: '',
      },
    ]);
    await deliver();
    const mail = await smtp.message(1);
    expect(mail.subject).toBe('Verify your e-mail address');
    const token = verifyTokenIn(mail.text);
    expect(mail.html).toContain(`href="${PUBLIC_URL}/verify-email?token=${token}"`);

    const { access } = await server.login('alice', 'correct horse battery');
    expect(await profile(access)).toMatchObject({ email_verified: false });
    const response = await verify({ token });
    expect([response.statusCode, response.json()]).toEqual([200, OK]);
    expect(await profile(access)).toMatchObject({
      email: 'alice@example.com',
      email_verified: true,
      pending_email: '',
    });
    const again = await verify({ token });
    expect([again.statusCode, again.json()]).toEqual([400, USED]);
  });

  it("accepts dj-rest-auth's key, and refuses tampered, expired and GET-presented tokens", async () => {
    await start('optional');
    await register('alice', 'alice@example.com');
    const token = await mailedToken(1);
    const tampered = await verify({ token: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` });
    expect([tampered.statusCode, tampered.json()]).toEqual([400, INVALID]);
    const get = await server.app.inject({ method: 'GET', url: `${VERIFY}?token=${token}` });
    expect(get.statusCode).toBe(405);
    const missing = await verify({});
    expect([missing.statusCode, missing.json()]).toEqual([400, { token: ['This field is required.'] }]);
    server.clock.advance(3 * 86_400);
    const expired = await verify({ key: token });
    expect([expired.statusCode, expired.json()]).toEqual([400, EXPIRED]);
    server.clock.advance(-1);
    expect((await verify({ key: token })).json()).toEqual(OK);
  });

  it('with required, an unverified user with the right password gets its own 401; a wrong password the usual one', async () => {
    await start('required');
    await register('alice', 'alice@example.com');
    const right = await server.post('/api/token/', { username: 'alice', password: 'correct horse battery' });
    expect([right.statusCode, right.json()]).toEqual([401, NOT_VERIFIED]);
    const wrong = await server.post('/api/token/', { username: 'alice', password: 'wrong horse battery' });
    expect([wrong.statusCode, wrong.json()]).toEqual([
      401,
      { detail: 'No active account found with the given credentials' },
    ]);
    expect((await verify({ token: await mailedToken(1) })).statusCode).toBe(200);
    expect(
      (await server.post('/api/token/', { username: 'alice', password: 'correct horse battery' })).statusCode,
    ).toBe(200);
  });

  it('an address change waits until the new address is verified, and the old address is told', async () => {
    await start('optional');
    await server.createUser('alice', 'correct horse', { email: 'alice@example.com', emailVerified: true });
    const { access } = await server.login('alice', 'correct horse');
    const patch = (email: string) =>
      server.app.inject({ method: 'PATCH', url: '/api/profile/', payload: { email }, headers: bearer(access) });
    const changed = await patch('alice@new.example');
    expect([changed.statusCode, changed.json()]).toEqual([
      200,
      {
        username: 'alice',
        first_name: '',
        last_name: '',
        email: 'alice@example.com',
        email_verified: true,
        pending_email: 'alice@new.example',
      },
    ]);
    /** The messages that arrived, by recipient, once there are `count`. */
    const byRecipient = async (count: number) => {
      await deliver();
      await smtp.message(count);
      return Object.fromEntries(smtp.messages.map((mail) => [mail.to && 'text' in mail.to ? mail.to.text : '', mail]));
    };
    const firstPair = await byRecipient(2);
    expect(firstPair['alice@example.com']?.subject).toBe('Your e-mail address is changing');
    const first = verifyTokenIn(firstPair['alice@new.example']?.text);

    // Changed again before verifying: the first link is stale.
    await patch('alice@newer.example');
    const second = verifyTokenIn((await byRecipient(4))['alice@newer.example']?.text);
    const stale = await verify({ token: first });
    expect([stale.statusCode, stale.json()]).toEqual([400, STALE]);
    expect((await verify({ token: second })).json()).toEqual(OK);
    expect(await profile(access)).toMatchObject({
      email: 'alice@newer.example',
      email_verified: true,
      pending_email: '',
    });
  });

  it('resends alike for any address, mails only an address awaiting verification, and is limited per address', async () => {
    await start('optional', { TESSERA_RATE_LIMITS: 'verify_resend=2/hour' });
    await server.createUser('alice', 'correct horse', { email: 'alice@example.com' });
    await server.createUser('bob', 'bob the builder', { email: 'bob@example.com', emailVerified: true });
    for (const email of ['alice@example.com', 'bob@example.com', 'nobody@example.com']) {
      const response = await server.post(RESEND, { email });
      expect([response.statusCode, response.json()]).toEqual([200, OK]);
    }
    await deliver();
    expect(smtp.messages.map((mail) => (mail.to && 'text' in mail.to ? mail.to.text : ''))).toEqual([
      'alice@example.com',
    ]);
    expect((await server.post(RESEND, { email: 'nobody@example.com' })).statusCode).toBe(200);
    expect((await server.post(RESEND, { email: 'NOBODY@example.com' })).statusCode).toBe(429);
    expect((await verify({ token: verifyTokenIn(smtp.messages[0]?.text) })).json()).toEqual(OK);
  });

  it('puts email_verified in tokens when TESSERA_EXTRA_CLAIMS asks for it', async () => {
    await start('optional', { TESSERA_EXTRA_CLAIMS: 'email_verified' });
    await server.createUser('alice', 'correct horse', { email: 'alice@example.com', emailVerified: true });
    await server.createUser('bob', 'bob the builder', { email: 'bob@example.com' });
    expect(claimsOf((await server.login('alice', 'correct horse')).access).email_verified).toBe(true);
    expect(claimsOf((await server.login('bob', 'bob the builder')).access).email_verified).toBe(false);
  });
});
