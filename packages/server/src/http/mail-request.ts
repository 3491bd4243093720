import type { FastifyRequest } from 'fastify';
import { MAX_EMAIL_LENGTH, emailProblems } from '../auth/account-rules.js';
import type { ClientInfo } from '../auth/audit.js';
import type { AuthContext } from '../auth/context.js';
import type { RateLimitName } from '../rate-limit/rate-limits.js';
import { addressKey } from '../rate-limit/address-key.js';
import type { NewMail } from '../store/types.js';
import { collectFields, throwFieldErrors } from './body.js';
import { clientOf } from './security-log.js';

/**
 * A request to mail an address someone typed (a password reset, a
 * verification link again): the address checked, the request counted per
 * address and per client (an unknown address exactly like a known one), and
 * one outbox row written — the same work for every address, because the
 * accounts are looked up only when the mail is sent. Nothing in the answer or
 * its timing says whether an account has the address, and the sending that
 * follows for a known one starts at the sender's next poll, not at once.
 * @throws {AuthError} 400 field errors, or 429.
 */
export async function acceptMailRequest(
  ctx: AuthContext,
  request: FastifyRequest,
  limits: { perAddress: RateLimitName; perClient: RateLimitName },
  mailFor: (email: string, client: ClientInfo, now: number) => NewMail,
): Promise<void> {
  const { values, errors } = collectFields(request, { email: { maxLength: MAX_EMAIL_LENGTH } });
  if (values.email !== undefined) errors.email ??= emailProblems(values.email);
  throwFieldErrors(errors, ['email']);
  const email = values.email as string;
  await ctx.throttle.attempt([
    { limit: limits.perAddress, key: `email:${email.toLowerCase()}` },
    { limit: limits.perClient, key: addressKey(request.ip) },
  ]);
  await ctx.store.enqueueMail(mailFor(email, clientOf(request), ctx.clock.now()));
  // Not kicked: the sender's next poll (within a second) takes it, so the work a known address
  // causes (a token, the SMTP exchange) is not tied in time to this request or the next.
}
