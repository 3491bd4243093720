import { paths, type ProfileResponse } from '@tessera/protocol';
import {
  MAX_EMAIL_LENGTH,
  MAX_NAME_LENGTH,
  MAX_USERNAME_LENGTH,
  accountMessages,
  emailProblems,
  normalizeUsername,
  usernameProblems,
} from '../../auth/account-rules.js';
import { auditEntry } from '../../auth/audit.js';
import { verifyMail } from '../../auth/email-verification.js';
import { AuthError, fieldErrors } from '../../errors.js';
import { checkPasswordPolicy } from '../../passwords/policy.js';
import { addressKey } from '../../rate-limit/address-key.js';
import { DuplicateUsernameError } from '../../store/types.js';
import { collectFields, throwFieldErrors, type FieldSpec } from '../body.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, errorResponses, schemas } from '../schemas.js';
import { clientOf, logSecurityEvent } from '../security-log.js';
import { profileOf } from './profile.js';

const optionalName: FieldSpec = { optional: true, allowBlank: true, maxLength: MAX_NAME_LENGTH };
const FIELDS = {
  username: { maxLength: MAX_USERNAME_LENGTH },
  password: {},
  email: { optional: true, allowBlank: true, maxLength: MAX_EMAIL_LENGTH },
  first_name: optionalName,
  last_name: optionalName,
} as const satisfies Record<string, FieldSpec>;
const ORDER = Object.keys(FIELDS) as (keyof typeof FIELDS)[];

export const registerRoute = defineRoute({
  method: 'POST',
  paths: [paths.register],
  auth: 'none',
  name: 'Register',
  description: 'Create an account (only when TESSERA_REGISTRATION=open). 201 with the new profile; log in next.',
  schema: {
    tags: ['account'],
    body: bodyOf(
      {
        username: 'Letters, digits and @ . + - _ (at most 150)',
        password: 'At least 8 characters, not common, not all digits, not the username',
        email: 'Email address',
        first_name: 'First name',
        last_name: 'Last name',
      },
      ['email', 'first_name', 'last_name'],
    ),
    response: { 201: schemas.profile, ...errorResponses },
  },
  async handler(ctx, request, reply): Promise<ProfileResponse> {
    if (!ctx.settings.registrationOpen) {
      throw new AuthError('permission_denied', {
        detail: 'Registration is closed. An administrator can create accounts with `tessera createuser`.',
      });
    }
    const { values, errors } = collectFields(request, FIELDS);
    await ctx.throttle.attempt([{ limit: 'register', key: addressKey(request.ip) }]);
    // Stored and compared in NFKC form, so that a look-alike of a taken name is taken too.
    const username = values.username === undefined ? undefined : normalizeUsername(values.username);
    const { password } = values;
    if (username !== undefined) errors.username ??= usernameProblems(username);
    if (values.email !== undefined) errors.email ??= emailProblems(values.email);
    if (password !== undefined) errors.password = await checkPasswordPolicy(password, { username: username ?? '' });
    if (username !== undefined && errors.username?.length === 0 && (await ctx.store.findUserByUsername(username))) {
      errors.username = [accountMessages.usernameTaken];
    }
    throwFieldErrors(errors, ORDER);

    const now = ctx.clock.now();
    const audit = auditEntry('user_created', clientOf(request), now, { username, details: { via: 'register' } });
    try {
      // Committed with the user: the link goes out even if tessera stops right after answering.
      const verify = ctx.settings.emailVerification !== 'off' && values.email !== undefined && values.email !== '';
      const user = await ctx.store.createUser(
        {
          username: username as string,
          passwordHash: await ctx.hasher.hash(password as string),
          email: values.email ?? '',
          firstName: values.first_name ?? '',
          lastName: values.last_name ?? '',
          isActive: true,
          isStaff: false,
          isSuperuser: false,
          dateJoined: now,
          role: 'viewer',
          permissions: [],
        },
        audit,
        verify ? [verifyMail(values.email as string, now)] : [],
      );
      logSecurityEvent(request, 'user_created', { userId: user.id });
      if (verify) ctx.mail.kick();
      void reply.code(201);
      return profileOf(user, ctx.settings.emailVerification);
    } catch (error) {
      // Taken between the check and the insert.
      if (error instanceof DuplicateUsernameError) throw fieldErrors({ username: [accountMessages.usernameTaken] });
      throw error;
    }
  },
});
