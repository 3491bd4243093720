import { paths, type ProfileResponse } from '@tessera/protocol';
import { emailChangeNoticeMail, verifyMail } from '../../auth/email-verification.js';
import type { EmailVerificationMode } from '../../mail/settings.js';
import type { NewMail, ProfileChanges } from '../../store/types.js';
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, emailProblems } from '../../auth/account-rules.js';
import { auditEntry } from '../../auth/audit.js';
import { AuthError } from '../../errors.js';
import type { SessionUser } from '../../store/types.js';
import { collectFields, throwFieldErrors, type FieldSpec } from '../body.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, errorResponses, schemas } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';

/**
 * The profile as the API shows it: the caller's own data only. Where
 * addresses are verified, also whether `email` is, and the address waiting
 * for its verification; SimpleJWT's four fields otherwise.
 */
export function profileOf(user: SessionUser, verification: EmailVerificationMode): ProfileResponse {
  const profile = { username: user.username, first_name: user.firstName, last_name: user.lastName, email: user.email };
  return verification === 'off'
    ? profile
    : { ...profile, email_verified: user.emailVerified, pending_email: user.pendingEmail };
}

export const profileRoute = defineRoute({
  method: 'GET',
  paths: [paths.profile],
  auth: 'user',
  name: 'Profile',
  description: "The caller's own profile.",
  schema: { tags: ['profile'], response: { 200: schemas.profile, 401: errorResponses[401] } },
  // Synchronous: the most frequent protected request allocates no promise when its session is cached.
  handler: (ctx, _request, _reply, { user }) => profileOf(user, ctx.settings.emailVerification),
});

const name: FieldSpec = { optional: true, allowBlank: true, maxLength: MAX_NAME_LENGTH };
const EDITABLE = {
  first_name: name,
  last_name: name,
  email: { optional: true, allowBlank: true, maxLength: MAX_EMAIL_LENGTH },
} as const satisfies Record<string, FieldSpec>;

export const profileUpdateRoute = defineRoute({
  method: 'PATCH',
  paths: [paths.profile],
  auth: 'user',
  name: 'Profile',
  description: 'Change any of first_name, last_name and email; the username cannot change. Answers the new profile.',
  schema: {
    tags: ['profile'],
    body: bodyOf({ first_name: 'First name', last_name: 'Last name', email: 'Email address' }, Object.keys(EDITABLE)),
    response: { 200: schemas.profile, ...errorResponses },
  },
  async handler(ctx, request, _reply, principal): Promise<ProfileResponse> {
    const { values, errors } = collectFields(request, EDITABLE);
    if (values.email !== undefined) errors.email ??= emailProblems(values.email);
    throwFieldErrors(errors, Object.keys(EDITABLE) as (keyof typeof EDITABLE)[]);
    const now = ctx.clock.now();
    const { changes: emailChanges, mail } = emailChange(
      principal.user,
      values.email,
      ctx.settings.emailVerification,
      now,
    );
    const changes: ProfileChanges = { firstName: values.first_name, lastName: values.last_name, ...emailChanges };
    const audit = auditEntry('profile_updated', clientOf(request), now, {
      userId: principal.user.id,
      username: principal.user.username,
      sessionId: principal.sessionId,
      details: { fields: Object.keys(values).join(',') },
    });
    const user = await ctx.store.updateProfile(principal.user.id, changes, now, audit, mail);
    if (user === undefined) throw new AuthError('user_not_found');
    logSecurityEvent(request, 'profile_updated', { userId: user.id, sessionId: principal.sessionId });
    if (mail.length > 0) ctx.mail.kick();
    return profileOf(user, ctx.settings.emailVerification);
  },
});

/**
 * What a new address changes. Without verification it replaces the old one
 * (unverified). With it, a different address waits in `pendingEmail` and is
 * mailed a link, and the old one is told; it becomes the account's once
 * verified. The current address withdraws a pending one; an empty one
 * removes the address at once.
 */
function emailChange(
  user: SessionUser,
  email: string | undefined,
  verification: EmailVerificationMode,
  now: number,
): { changes: ProfileChanges; mail: NewMail[] } {
  if (email === undefined) return { changes: {}, mail: [] };
  const same = email.toLowerCase() === user.email.toLowerCase();
  if (verification === 'off' || email === '' || user.email === '') {
    const verified = same && user.emailVerified;
    const mail = verification !== 'off' && !verified && email !== '' ? [verifyMail(email, now, user.id)] : [];
    return { changes: { email, emailVerified: verified, pendingEmail: '' }, mail };
  }
  if (same) return { changes: { email, pendingEmail: '' }, mail: [] };
  if (email === user.pendingEmail) return { changes: {}, mail: [] };
  return {
    changes: { pendingEmail: email },
    mail: [verifyMail(email, now, user.id), emailChangeNoticeMail(user, now)],
  };
}
