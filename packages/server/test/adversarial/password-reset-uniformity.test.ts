/**
 * A password reset request must not tell whether an account has the address:
 * not by status, headers or body, and not by time. The request does the same
 * for every address (one outbox row; the accounts are looked up when the mail
 * is sent), and this suite checks the time as the login suite does: kinds
 * interleaved round by round after a warm-up, compared by median. The mail
 * really goes out, to a real SMTP server, while the rounds run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observable, uniformAnswerTimes } from '../support/interleaved-timing.js';
import { createTestServer, type TestServer } from '../support/server.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';

const WARM_UP_ROUNDS = 20;
const ROUNDS = 200;
const MAX_MEDIAN_RATIO = 1.1;

const KINDS = {
  'a known address': 'alice@example.com',
  'an unknown address': 'nobody@example.com',
  'an inactive account': 'bob@example.com',
  'a known address in other case': 'ALICE@example.com',
} as const;
type Kind = keyof typeof KINDS;
const KIND_NAMES = Object.keys(KINDS) as Kind[];

describe('POST /api/password/reset/ answers alike for known, unknown and inactive addresses', () => {
  let server: TestServer;
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startTestSmtp();
    server = await createTestServer({ TESSERA_SMTP_URL: smtp.url, TESSERA_EMAIL_FROM: 'no-reply@example.com' });
    await server.createUser('alice', 'alice in wonderland', { email: 'alice@example.com' });
    await server.createUser('bob', 'bob the builder', { email: 'bob@example.com', isActive: false });
  });
  afterAll(async () => {
    await server.close();
    await smtp.close();
  });

  const attempt = (kind: Kind) => server.post('/api/password/reset/', { email: KINDS[kind] });

  it('with byte-identical answers: status, headers but Date, and body; mail only for the known address', async () => {
    const answers = await Promise.all(KIND_NAMES.map(attempt));
    const [first, ...others] = answers.map(observable);
    expect(first).toMatchObject({
      status: 200,
      body: Buffer.from('{"detail":"Password reset e-mail has been sent."}').toString('base64'),
    });
    for (const other of others) expect(other).toEqual(first);
    await server.app.tessera.mail.deliverDue();
    expect(smtp.messages.map((mail) => mail.subject)).toEqual(['Reset your password', 'Reset your password']);
  });

  it(
    `in times whose medians over ${ROUNDS} interleaved rounds are within ${Math.round((MAX_MEDIAN_RATIO - 1) * 100)}%`,
    { timeout: 90_000 },
    async () => {
      const { medians, ratio } = await uniformAnswerTimes(KIND_NAMES, {
        warmUp: WARM_UP_ROUNDS,
        rounds: ROUNDS,
        reference: 'an unknown address',
        send: attempt,
      });
      expect({ medians, withinBound: ratio <= MAX_MEDIAN_RATIO }).toEqual({ medians, withinBound: true });
    },
  );
});
