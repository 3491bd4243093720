// requestPasswordReset, confirmPasswordReset, verifyEmail and resendVerification
// against a real tessera (on a real HTTP port) that mails a real SMTP server in
// the test process.
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../server/test/support/server.js';
import { resetTokenIn, startTestSmtp, type TestSmtp } from '../../server/test/support/smtp.js';
import { AuthClientError, createAuthClient, type AuthClient } from '../src/index.js';
import { createManualTime } from './support/time.js';

describe('the client’s account mail calls against a real tessera', () => {
  let server: TestServer;
  let smtp: TestSmtp;
  let auth: AuthClient;

  beforeEach(async () => {
    smtp = await startTestSmtp();
    server = await createTestServer({
      TESSERA_SMTP_URL: smtp.url,
      TESSERA_EMAIL_FROM: 'no-reply@example.com',
      TESSERA_RATE_LIMITS: 'password_reset=1/hour',
      TESSERA_EMAIL_VERIFICATION: 'optional',
    });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    await server.createUser('alice', 'correct horse', { email: 'alice@example.com' });
    auth = createAuthClient({
      baseUrl: `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`,
      platform: { timers: createManualTime().timers, createChannel: null, locks: null, window: null, document: null },
    });
  });
  afterEach(async () => {
    auth.dispose();
    await server.close();
    await smtp.close();
  });

  /** What a call threw, as the fields a caller switches on. */
  const failure = async (call: Promise<unknown>) => {
    const error = await call.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof AuthClientError)) throw new Error(`expected an AuthClientError, got ${String(error)}`);
    return { code: error.code, statusCode: error.statusCode, detail: error.detail, fields: error.fields };
  };
  const mailedToken = async () => {
    await auth.requestPasswordReset('alice@example.com');
    await server.app.tessera.mail.deliverDue();
    return resetTokenIn(await smtp.message(1));
  };

  it('asks for the mail, sets the new password with its token, and logs no one in', async () => {
    const token = await mailedToken();
    await expect(auth.confirmPasswordReset(token, 'battery staple 42')).resolves.toBeUndefined();
    expect(auth.getUser()).toBeNull();
    await auth.login('alice', 'battery staple 42');
    expect(auth.getUser()).toMatchObject({ username: 'alice' });
  });

  it('throws typed errors: the token’s own code, field errors, and the rate limit', async () => {
    const token = await mailedToken();
    expect(await failure(auth.confirmPasswordReset(token, 'alice'))).toEqual({
      code: 'invalid',
      statusCode: 400,
      detail: 'Please correct the fields.',
      fields: {
        new_password: [
          'The password is too similar to the username.',
          'This password is too short. It must contain at least 8 characters.',
          'This password is too common.',
        ],
      },
    });
    await auth.confirmPasswordReset(token, 'battery staple 42');
    expect(await failure(auth.confirmPasswordReset(token, 'battery staple 43'))).toEqual({
      code: 'reset_token_used',
      statusCode: 400,
      detail: 'This password reset link has already been used. Ask for a new one.',
      fields: {},
    });
    expect(await failure(auth.requestPasswordReset('alice@example.com'))).toEqual({
      code: 'throttled',
      statusCode: 429,
      detail: 'Request was throttled. Expected available in 3600 seconds.',
      fields: {},
    });
    expect((await failure(auth.requestPasswordReset('not an address'))).fields).toEqual({
      email: ['Enter a valid email address.'],
    });
  });

  it('asks for the verification mail again and verifies the address with its token, with typed errors', async () => {
    await server.createUser('bob', 'bob the builder', { email: 'bob@example.com' });
    await auth.resendVerification('bob@example.com');
    await auth.resendVerification('nobody@example.com');
    await server.app.tessera.mail.deliverDue();
    const match = /\/verify-email\?token=([A-Za-z0-9_-]+)/.exec((await smtp.message(1)).text ?? '');
    const token = match?.[1] ?? '';
    await expect(auth.verifyEmail(token)).resolves.toBeUndefined();
    expect((await server.store.findUserByUsername('bob'))?.emailVerified).toBe(true);
    expect(await failure(auth.verifyEmail(token))).toEqual({
      code: 'verify_token_used',
      statusCode: 400,
      detail: 'This verification link has already been used.',
      fields: {},
    });
  });
});
