import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/processes.js';
import { bearer, createTestServer, type TestServer } from '../support/server.js';
import { resetTokenIn, startTestSmtp, type TestSmtp } from '../support/smtp.js';

const SENT = { detail: 'Password reset e-mail has been sent.' };
const DONE = { detail: 'Password has been reset with the new password.' };
const PUBLIC_URL = 'https://auth.example.com';
const NEW_PASSWORD = 'battery staple 42';
const RESET = '/api/password/reset/';
const CONFIRM = '/api/password/reset/confirm/';

const refusal = (code: string, detail: string) => ({ detail, code });
const INVALID = refusal('reset_token_invalid', 'This password reset link is invalid. Ask for a new one.');
const EXPIRED = refusal('reset_token_expired', 'This password reset link has expired. Ask for a new one.');
const USED = refusal('reset_token_used', 'This password reset link has already been used. Ask for a new one.');
const STALE = refusal(
  'reset_token_stale',
  "The account's password or e-mail changed since this link was sent. Ask for a new one.",
);

/** dj-rest-auth's `uid`: Django's urlsafe_base64_encode of the primary key. */
const uidOf = (id: number) => Buffer.from(String(id)).toString('base64url');

describe('password reset through the mail outbox and a real SMTP server', () => {
  let server: TestServer;
  let smtp: TestSmtp | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await server.close();
    await smtp?.close();
    smtp = undefined;
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** A server whose mail goes to `smtpUrl` (the test's SMTP server by default), with alice and bob. */
  const start = async (env: Record<string, string> = {}, smtpUrl?: string) => {
    if (smtpUrl === undefined) smtp = await startTestSmtp();
    server = await createTestServer({
      TESSERA_SMTP_URL: smtpUrl ?? (smtp as TestSmtp).url,
      TESSERA_EMAIL_FROM: 'Example <no-reply@example.com>',
      TESSERA_PUBLIC_URL: PUBLIC_URL,
      ...env,
    });
    const alice = await server.createUser('alice', 'correct horse', { email: 'alice@example.com' });
    const bob = await server.createUser('bob', 'bob the builder', { email: 'bob@example.com' });
    return { alice, bob };
  };
  const deliver = () => server.app.tessera.mail.deliverDue();
  const requestReset = (email: string) => server.post(RESET, { email });
  /** Asks for a reset of alice's password and reads the token out of the `count`-th mail. */
  const mailedToken = async (count = 1, email = 'alice@example.com') => {
    expect((await requestReset(email)).json()).toEqual(SENT);
    await deliver();
    return resetTokenIn(await (smtp as TestSmtp).message(count));
  };
  const confirm = (body: unknown) => server.post(CONFIRM, body);
  const loginStatus = async (username: string, password: string) =>
    (await server.post('/api/token/', { username, password })).statusCode;

  it('mails a link and a code; the token sets a new password, ends every session, tells the user, and logs no one in', async () => {
    await start();
    const before = await server.login('alice', 'correct horse');
    const response = await requestReset('Alice@Example.com');
    expect([response.statusCode, response.json()]).toEqual([200, SENT]);
    await deliver();

    const mail = await (smtp as TestSmtp).message(1);
    expect([mail.subject, mail.from?.text, mail.to && 'text' in mail.to ? mail.to.text : '']).toEqual([
      'Reset your password',
      '"Example" <no-reply@example.com>',
      'alice@example.com',
    ]);
    const token = resetTokenIn(mail);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mail.text).toContain(`${PUBLIC_URL}/reset-password?token=${token}`);
    expect(mail.text).toContain(`Or enter this code on the reset page:\n${token}`);
    expect(mail.html).toContain(`href="${PUBLIC_URL}/reset-password?token=${token}"`);

    const done = await confirm({ token, new_password: NEW_PASSWORD });
    expect([done.statusCode, done.json()]).toEqual([200, DONE]);
    expect(Object.keys(done.json<object>())).not.toContain('access');
    const refused = await server.post('/api/token/refresh/', { refresh: before.refresh });
    expect([refused.statusCode, refused.json()]).toEqual([
      401,
      { detail: 'Token is blacklisted', code: 'token_not_valid' },
    ]);
    expect(await loginStatus('alice', 'correct horse')).toBe(401);
    expect(await loginStatus('alice', NEW_PASSWORD)).toBe(200);

    await deliver();
    const notice = await (smtp as TestSmtp).message(2);
    expect([notice.subject, notice.text]).toEqual([
      'Your password was reset',
      expect.stringContaining('The password of the account alice was just reset'),
    ]);
    const events = (
      await server.store.listAudit({ user: { id: undefined, username: 'alice' }, offset: 0, limit: 10 })
    ).records
      .map((record) => record.event)
      .filter((event) => event.startsWith('password_reset'));
    expect(events).toEqual(['password_reset', 'password_reset_requested']);
  });

  it("accepts dj-rest-auth's uid, token, new_password1 and new_password2", async () => {
    const { alice } = await start();
    const token = await mailedToken();
    const mismatch = await confirm({
      uid: uidOf(alice.id),
      token,
      new_password1: NEW_PASSWORD,
      new_password2: 'battery staple 43',
    });
    expect([mismatch.statusCode, mismatch.json()]).toEqual([
      400,
      { new_password2: ['The two password fields didn’t match.'] },
    ]);
    const missing = await confirm({ uid: uidOf(alice.id), token, new_password1: NEW_PASSWORD });
    expect([missing.statusCode, missing.json()]).toEqual([400, { new_password2: ['This field is required.'] }]);
    const done = await confirm({
      uid: uidOf(alice.id),
      token,
      new_password1: NEW_PASSWORD,
      new_password2: NEW_PASSWORD,
    });
    expect([done.statusCode, done.json()]).toEqual([200, DONE]);
    expect(await loginStatus('alice', NEW_PASSWORD)).toBe(200);
  });

  it('refuses a weak new password with the policy’s field errors, and the token still works', async () => {
    await start();
    const token = await mailedToken();
    const weak = await confirm({ token, new_password: 'alice' });
    expect([weak.statusCode, weak.json()]).toEqual([
      400,
      {
        new_password: [
          'The password is too similar to the username.',
          'This password is too short. It must contain at least 8 characters.',
          'This password is too common.',
        ],
      },
    ]);
    expect((await confirm({ token, new_password: NEW_PASSWORD })).statusCode).toBe(200);
  });

  it('refuses missing fields with DRF’s field errors', async () => {
    await start();
    const response = await confirm({});
    expect([response.statusCode, response.json()]).toEqual([
      400,
      { token: ['This field is required.'], new_password: ['This field is required.'] },
    ]);
    const noEmail = await server.post(RESET, { email: 'not an address' });
    expect([noEmail.statusCode, noEmail.json()]).toEqual([400, { email: ['Enter a valid email address.'] }]);
  });

  describe('refuses each unusable token with its own code, and no 5xx', () => {
    const cases: Array<[string, (t: { token: string; alice: number; bob: number }) => Promise<object>, object]> = [
      [
        'expired (30 minutes after it was mailed)',
        ({ token }) => {
          server.clock.advance(30 * 60);
          return Promise.resolve({ token, new_password: NEW_PASSWORD });
        },
        EXPIRED,
      ],
      [
        'used twice',
        async ({ token }) => {
          expect((await confirm({ token, new_password: 'another password 1' })).statusCode).toBe(200);
          return { token, new_password: NEW_PASSWORD };
        },
        USED,
      ],
      [
        'tampered (one character changed)',
        ({ token }) =>
          Promise.resolve({
            token: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
            new_password: NEW_PASSWORD,
          }),
        INVALID,
      ],
      ['not a token at all', () => Promise.resolve({ token: 'x', new_password: NEW_PASSWORD }), INVALID],
      [
        "another user's (dj-rest-auth's uid names bob)",
        ({ token, bob }) =>
          Promise.resolve({ uid: uidOf(bob), token, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD }),
        INVALID,
      ],
      [
        'issued before a password change',
        async ({ token }) => {
          const { access } = await server.login('alice', 'correct horse');
          const change = { old_password: 'correct horse', new_password: 'changed horse 7' };
          expect((await server.post('/api/password/change/', change, bearer(access))).statusCode).toBe(200);
          return { token, new_password: NEW_PASSWORD };
        },
        STALE,
      ],
      [
        'issued before an e-mail change',
        async ({ token }) => {
          const { access } = await server.login('alice', 'correct horse');
          const patch = await server.app.inject({
            method: 'PATCH',
            url: '/api/profile/',
            payload: { email: 'alice@elsewhere.example' },
            headers: bearer(access),
          });
          expect(patch.statusCode).toBe(200);
          return { token, new_password: NEW_PASSWORD };
        },
        STALE,
      ],
      [
        'of a user deactivated since',
        async ({ token, alice }) => {
          await server.store.setActive(alice, false, server.clock.now());
          return { token, new_password: NEW_PASSWORD };
        },
        INVALID,
      ],
    ];
    it.each(cases)('%s', async (_name, prepare, expected) => {
      const { alice, bob } = await start();
      const token = await mailedToken();
      const body = await prepare({ token, alice: alice.id, bob: bob.id });
      const response = await confirm(body);
      expect([response.statusCode, response.json()]).toEqual([400, expected]);
      expect(await loginStatus('alice', NEW_PASSWORD)).toBe(401);
    });

    it('presented by GET (a link scanner): 405, and the token still works', async () => {
      await start();
      const token = await mailedToken();
      for (const url of [`${CONFIRM}?token=${token}`, `${RESET}?token=${token}`]) {
        const response = await server.app.inject({ method: 'GET', url });
        expect([response.statusCode, response.json()]).toEqual([405, { detail: 'Method "GET" not allowed.' }]);
      }
      expect((await confirm({ token, new_password: NEW_PASSWORD })).statusCode).toBe(200);
    });
  });

  it('answers an unknown or inactive address the same, and mails nothing', async () => {
    const { alice } = await start();
    await server.store.setActive(alice.id, false, server.clock.now());
    for (const email of ['nobody@example.com', 'alice@example.com']) {
      const response = await requestReset(email);
      expect([response.statusCode, response.json()]).toEqual([200, SENT]);
    }
    await deliver();
    expect((smtp as TestSmtp).messages).toEqual([]);
    expect((await server.store.listMail(['dropped'], 10)).map((m) => m.recipient)).toEqual([
      'nobody@example.com',
      'alice@example.com',
    ]);
  });

  it('limits requests per address, known or not (3 an hour), and per client', async () => {
    await start({ TESSERA_RATE_LIMITS: 'password_reset_address=6/hour' });
    for (const email of ['alice@example.com', 'nobody@example.com']) {
      for (let i = 0; i < 3; i += 1) expect((await requestReset(email)).statusCode).toBe(200);
      const refused = await requestReset(email.toUpperCase());
      expect([refused.statusCode, refused.json(), refused.headers['retry-after']]).toEqual([
        429,
        { detail: 'Request was throttled. Expected available in 3600 seconds.', code: 'throttled' },
        '3600',
      ]);
    }
    // Six from this client went through (refusals are not counted): another address is refused.
    expect((await requestReset('carol@example.com')).statusCode).toBe(429);
    server.clock.advance(3600);
    expect((await requestReset('alice@example.com')).statusCode).toBe(200);
  });

  describe('with SMTP down, answers 200 at once and sends the mail once SMTP is back', () => {
    it('when nothing listens on the port', async () => {
      const port = await freePort();
      await start({}, `smtp://127.0.0.1:${port}`);
      expect((await requestReset('alice@example.com')).statusCode).toBe(200);
      await deliver();
      const [pending] = await server.store.listMail(['pending'], 10);
      expect([pending?.attempts, pending?.lastError]).toEqual([1, 'connect ECONNREFUSED 127.0.0.1:' + port]);
      smtp = await startTestSmtp(port);
      await deliver();
      expect(smtp.messages).toEqual([]);
      server.clock.advance(15);
      await deliver();
      expect(resetTokenIn(await smtp.message(1))).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('when the server refuses (421), and a request never waits for SMTP', async () => {
      await start();
      const live = smtp as TestSmtp;
      live.refusing = true;
      expect((await requestReset('alice@example.com')).statusCode).toBe(200);
      await deliver();
      const [pending] = await server.store.listMail(['pending'], 10);
      expect([pending?.attempts, pending?.lastError?.includes('421 Service not available')]).toEqual([1, true]);
      live.refusing = false;
      server.clock.advance(15);
      await deliver();
      const token = resetTokenIn(await live.message(1));
      expect((await confirm({ token, new_password: NEW_PASSWORD })).statusCode).toBe(200);
    });

    it('when the server accepts connections and never answers', async () => {
      const silent: Server = createServer(() => undefined);
      silent.listen(0, '127.0.0.1');
      await once(silent, 'listening');
      cleanups.push(() => new Promise((resolve) => silent.close(resolve)));
      const { port } = silent.address() as { port: number };
      // A request that waited for SMTP would take the 5 s greeting timeout at least.
      await start({ TESSERA_SMTP_TIMEOUT: '5' }, `smtp://127.0.0.1:${port}`);
      const started = Date.now();
      const response = await requestReset('alice@example.com');
      expect([response.statusCode, Date.now() - started < 5000]).toEqual([200, true]);
      await deliver();
      expect(await server.store.listMail(['pending'], 10)).toMatchObject([
        { attempts: 1, lastError: 'Greeting never received' },
      ]);
    });
  });

  it('without SMTP, writes each message to the outbox folder as .eml and logs it', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tessera-eml-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const lines: string[] = [];
    server = await createTestServer(
      {},
      { outboxDirectory: directory, logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } },
    );
    await server.createUser('alice', 'correct horse', { email: 'alice@example.com' });
    expect((await requestReset('alice@example.com')).statusCode).toBe(200);
    await deliver();
    const files = await readdir(directory);
    expect(files).toEqual([expect.stringMatching(/\.eml$/)]);
    const mail = await simpleParser(await readFile(join(directory, files[0] as string)));
    expect(mail.text).toContain('http://127.0.0.1:8000/reset-password?token=');
    expect(mail.html).toContain('Choose a new password');
    expect(lines.some((line) => line.includes(`mail written to ${join(directory, files[0] as string)}`))).toBe(true);
  });
});
