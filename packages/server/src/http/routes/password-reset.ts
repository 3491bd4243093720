import { PASSWORD_RESET_DONE, PASSWORD_RESET_SENT, fieldMessages, paths, type DetailResponse } from '@tessera/protocol';
import { auditEntry } from '../../auth/audit.js';
import { hashMailToken, isMailTokenShaped } from '../../auth/mail-token.js';
import { resetNoticeMail, resetRequestMail, resetTokenProblem } from '../../auth/password-reset.js';
import { AuthError } from '../../errors.js';
import { checkPasswordPolicy } from '../../passwords/policy.js';
import { collectFields, throwFieldErrors, type FieldSpec } from '../body.js';
import { acceptMailRequest } from '../mail-request.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, errorResponses, schemas } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';

export const passwordResetRoute = defineRoute({
  method: 'POST',
  paths: [paths.passwordReset],
  auth: 'none',
  name: 'Password Reset',
  description:
    'Mail a password reset link to the accounts with this address. The same 200 whether or not any has it; ' +
    'the mail is sent from the outbox, so an SMTP outage delays it but never fails the request.',
  schema: {
    tags: ['account'],
    body: bodyOf({ email: 'The address of the account' }),
    response: { 200: schemas.detail, ...errorResponses },
  },
  async handler(ctx, request): Promise<DetailResponse> {
    const limits = { perAddress: 'password_reset', perClient: 'password_reset_address' } as const;
    await acceptMailRequest(ctx, request, limits, resetRequestMail);
    return { detail: PASSWORD_RESET_SENT };
  },
});

const optional: FieldSpec = { optional: true };
const CONFIRM_FIELDS = {
  uid: optional,
  token: {},
  new_password: optional,
  new_password1: optional,
  new_password2: optional,
} as const satisfies Record<string, FieldSpec>;
type ConfirmField = keyof typeof CONFIRM_FIELDS;
const CONFIRM_ORDER = Object.keys(CONFIRM_FIELDS) as ConfirmField[];

export const passwordResetConfirmRoute = defineRoute({
  method: 'POST',
  paths: [paths.passwordResetConfirm],
  auth: 'none',
  name: 'Password Reset Confirm',
  description:
    'Set a new password with the token from the reset mail: `{"token","new_password"}`, or dj-rest-auth\'s ' +
    '`{"uid","token","new_password1","new_password2"}`. Every session of the user ends; the user is not logged in.',
  schema: {
    tags: ['account'],
    body: bodyOf(
      {
        token: 'The token from the link or the code in the mail',
        new_password: 'The new password',
        uid: "dj-rest-auth's user id (base64), optional",
        new_password1: "dj-rest-auth's new password",
        new_password2: "dj-rest-auth's new password, again",
      },
      ['new_password', 'uid', 'new_password1', 'new_password2'],
    ),
    response: { 200: schemas.detail, ...errorResponses },
  },
  async handler(ctx, request): Promise<DetailResponse> {
    const { values, errors } = collectFields(request, CONFIRM_FIELDS);
    // dj-rest-auth's shape when any of its own fields is there; tessera's otherwise.
    const djRestAuth = ['uid', 'new_password1', 'new_password2'].some(
      (name) => Object.hasOwn(values, name) || Object.hasOwn(errors, name),
    );
    const passwordField: ConfirmField = djRestAuth ? 'new_password2' : 'new_password';
    for (const name of djRestAuth ? (['new_password1', 'new_password2'] as const) : (['new_password'] as const)) {
      if (values[name] === undefined) errors[name] ??= [fieldMessages.required];
    }
    throwFieldErrors(errors, CONFIRM_ORDER);
    const token = values.token as string;
    const newPassword = (djRestAuth ? values.new_password1 : values.new_password) as string;

    const reset = isMailTokenShaped(token) ? await ctx.store.findPasswordReset(hashMailToken(token)) : undefined;
    if (reset === undefined || (values.uid !== undefined && !uidNames(values.uid, reset.userId))) {
      throw new AuthError('reset_token_invalid');
    }
    const user = await ctx.store.findUserById(reset.userId);
    const now = ctx.clock.now();
    const problem = resetTokenProblem(reset, user, now);
    if (problem !== undefined || user === undefined) throw new AuthError(problem ?? 'reset_token_invalid');

    const passwordProblems = await checkPasswordPolicy(newPassword, user);
    if (djRestAuth && values.new_password2 !== newPassword) passwordProblems.unshift(fieldMessages.passwordMismatch);
    throwFieldErrors({ [passwordField]: passwordProblems }, [passwordField]);

    const client = clientOf(request);
    const done = await ctx.store.completePasswordReset(
      {
        tokenHash: reset.tokenHash,
        userId: user.id,
        fromPasswordHash: user.passwordHash,
        toPasswordHash: await ctx.hasher.hash(newPassword),
        now,
        notice: resetNoticeMail(user, now),
      },
      auditEntry('password_reset', client, now, { userId: user.id, username: user.username }),
    );
    // Used, or the password changed, while the new one was being hashed.
    if (!done) throw new AuthError('reset_token_used');
    logSecurityEvent(request, 'password_reset', { userId: user.id });
    ctx.mail.kick();
    return { detail: PASSWORD_RESET_DONE };
  },
});

/** Whether dj-rest-auth's `uid` (Django's `urlsafe_base64_encode` of the primary key) names `userId`. */
function uidNames(uid: string, userId: number): boolean {
  return Buffer.from(uid, 'base64url').toString('utf8') === String(userId);
}
