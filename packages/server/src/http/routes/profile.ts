import { paths, type ProfileResponse } from '@tessera/protocol';
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, emailProblems } from '../../auth/account-rules.js';
import { auditEntry } from '../../auth/audit.js';
import { AuthError } from '../../errors.js';
import type { SessionUser } from '../../store/types.js';
import { collectFields, throwFieldErrors, type FieldSpec } from '../body.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, errorResponses, schemas } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';

/** The profile as the API shows it: the caller's own data only. */
export function profileOf(user: SessionUser): ProfileResponse {
  return { username: user.username, first_name: user.firstName, last_name: user.lastName, email: user.email };
}

export const profileRoute = defineRoute({
  method: 'GET',
  paths: [paths.profile],
  auth: 'user',
  name: 'Profile',
  description: "The caller's own profile.",
  schema: { tags: ['profile'], response: { 200: schemas.profile, 401: errorResponses[401] } },
  // Synchronous: the most frequent protected request allocates no promise when its session is cached.
  handler: (_ctx, _request, _reply, { user }) => profileOf(user),
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
    const changes = { firstName: values.first_name, lastName: values.last_name, email: values.email };
    const now = ctx.clock.now();
    const audit = auditEntry('profile_updated', clientOf(request), now, {
      userId: principal.user.id,
      username: principal.user.username,
      sessionId: principal.sessionId,
      details: { fields: Object.keys(values).join(',') },
    });
    const user = await ctx.store.updateProfile(principal.user.id, changes, now, audit);
    if (user === undefined) throw new AuthError('user_not_found');
    logSecurityEvent(request, 'profile_updated', { userId: user.id, sessionId: principal.sessionId });
    return profileOf(user);
  },
});
