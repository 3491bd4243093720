import { EMAIL_VERIFY_OK, fieldMessages, paths, type DetailResponse } from '@tessera/protocol';
import { auditEntry } from '../../auth/audit.js';
import { resendMail, verificationProblem } from '../../auth/email-verification.js';
import { hashMailToken, isMailTokenShaped } from '../../auth/mail-token.js';
import { AuthError } from '../../errors.js';
import { collectFields, throwFieldErrors } from '../body.js';
import { acceptMailRequest } from '../mail-request.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, errorResponses, schemas } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';

export const verifyEmailRoute = defineRoute({
  method: 'POST',
  paths: [paths.emailVerify],
  auth: 'none',
  name: 'Verify Email',
  description:
    "Verify an address with the token from the verification mail (`token`, or dj-rest-auth's `key`). " +
    "A pending address becomes the account's e-mail.",
  schema: {
    tags: ['account'],
    body: bodyOf({ token: 'The token from the link or the code in the mail', key: "dj-rest-auth's name for it" }, [
      'token',
      'key',
    ]),
    response: { 200: schemas.detail, ...errorResponses },
  },
  async handler(ctx, request): Promise<DetailResponse> {
    const { values, errors } = collectFields(request, { token: { optional: true }, key: { optional: true } });
    const token = values.token ?? values.key;
    if (token === undefined && errors.token === undefined && errors.key === undefined) {
      errors.token = [fieldMessages.required];
    }
    throwFieldErrors(errors, ['token', 'key']);
    const verification = isMailTokenShaped(token as string)
      ? await ctx.store.findEmailVerification(hashMailToken(token as string))
      : undefined;
    if (verification === undefined) throw new AuthError('verify_token_invalid');
    const user = await ctx.store.findUserById(verification.userId);
    const now = ctx.clock.now();
    const problem = verificationProblem(verification, user, now);
    if (problem !== undefined || user === undefined) throw new AuthError(problem ?? 'verify_token_invalid');
    const audit = auditEntry('email_verified', clientOf(request), now, {
      userId: user.id,
      username: user.username,
      details: { changed: user.pendingEmail !== '' },
    });
    // Used, or the address changed, since it was read.
    if ((await ctx.store.completeEmailVerification(verification.tokenHash, now, audit)) === undefined) {
      throw new AuthError('verify_token_used');
    }
    logSecurityEvent(request, 'email_verified', { userId: user.id });
    return { detail: EMAIL_VERIFY_OK };
  },
});

export const resendVerificationRoute = defineRoute({
  method: 'POST',
  paths: [paths.emailVerifyResend],
  auth: 'none',
  name: 'Resend Email Verification',
  description:
    'Mail a new verification link to the accounts awaiting verification of this address. The same 200 whether or not any is.',
  schema: {
    tags: ['account'],
    body: bodyOf({ email: 'The address to verify' }),
    response: { 200: schemas.detail, ...errorResponses },
  },
  async handler(ctx, request): Promise<DetailResponse> {
    await acceptMailRequest(
      ctx,
      request,
      { perAddress: 'verify_resend', perClient: 'verify_resend_address' },
      resendMail,
    );
    return { detail: EMAIL_VERIFY_OK };
  },
});
