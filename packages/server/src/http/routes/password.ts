import { type MessageResponse, paths } from '@tessera/protocol';
import { accountMessages } from '../../auth/account-rules.js';
import { auditEntry } from '../../auth/audit.js';
import { AuthError } from '../../errors.js';
import { isHashablePassword } from '../../passwords/hasher.js';
import { checkPasswordPolicy } from '../../passwords/policy.js';
import { collectFields, throwFieldErrors } from '../body.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, errorResponses, schemas } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';

const FIELDS = ['old_password', 'new_password'] as const;

export const passwordChangeRoute = defineRoute({
  method: 'POST',
  paths: [paths.passwordChange],
  auth: 'user',
  name: 'Password Change',
  description: "Change the caller's password. Every other session of the caller ends; the one asking stays logged in.",
  schema: {
    tags: ['account'],
    body: bodyOf({ old_password: 'The current password', new_password: 'The new password' }),
    response: { 200: schemas.message, ...errorResponses },
  },
  async handler(ctx, request, _reply, principal): Promise<MessageResponse> {
    const { values, errors } = collectFields(request, { old_password: {}, new_password: {} });
    // Counted before the old password is checked, where it could be guessed; forgiven unless it was wrong.
    const attempt = await ctx.throttle.attempt([
      { limit: 'password', key: `user:${principal.user.id}`, failuresOnly: true },
    ]);
    // The session carries no hash: read it as stored now.
    const user = await ctx.store.findUserById(principal.user.id);
    if (user === undefined) throw new AuthError('user_not_found');
    const wrongOldPassword =
      values.old_password !== undefined &&
      !(isHashablePassword(values.old_password) && (await ctx.hasher.verify(user.passwordHash, values.old_password)));
    if (wrongOldPassword) errors.old_password = [accountMessages.wrongOldPassword];
    // A new password the policy refuses, or a missing field, is no guess at the old one.
    else await attempt.forgive();
    if (values.new_password !== undefined) errors.new_password = await checkPasswordPolicy(values.new_password, user);
    throwFieldErrors(errors, FIELDS);

    const passwordHash = await ctx.hasher.hash(values.new_password as string);
    const now = ctx.clock.now();
    const audit = auditEntry('password_changed', clientOf(request), now, {
      userId: user.id,
      username: user.username,
      sessionId: principal.sessionId,
    });
    await ctx.store.setPassword(user.id, passwordHash, now, principal.sessionId, audit);
    logSecurityEvent(request, 'password_changed', { userId: user.id, sessionId: principal.sessionId });
    return { message: 'Password changed successfully' };
  },
});
