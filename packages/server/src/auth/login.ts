import { details } from '@tessera/protocol';
import { AuthError } from '../errors.js';
import { isHashablePassword } from '../passwords/hasher.js';
import type { UserRecord } from '../store/types.js';
import { auditEntry } from './audit.js';
import { subjectOf, type AuthContext, type IssuedPair } from './context.js';
import { findUserByTypedUsername } from './user-lookup.js';

export interface LoginInput {
  username: string;
  password: string;
  ip: string;
  userAgent: string;
}

export interface LoginResult extends IssuedPair {
  user: UserRecord;
}

/** Why a login failed, for the log only: the client always sees the same 401. */
export type LoginFailure = 'unknown_user' | 'bad_password' | 'inactive' | 'password_too_long';

export class LoginFailedError extends Error {
  override name = 'LoginFailedError';
  constructor(
    readonly reason: LoginFailure,
    readonly userId: number | undefined,
  ) {
    super(details.badCredentials);
  }
}

/**
 * Checks a username and password and starts a session. Unknown users,
 * wrong passwords and inactive users fail alike, at the cost of one hash.
 * @throws {LoginFailedError} carrying the reason for the security log.
 */
export async function logIn(ctx: AuthContext, input: LoginInput): Promise<LoginResult> {
  const fail = async (reason: LoginFailure, userId: number | undefined): Promise<never> => {
    const details = { reason };
    await ctx.store.appendAudit(
      auditEntry('login_failure', input, ctx.clock.now(), { userId, username: input.username, details }),
    );
    throw new LoginFailedError(reason, userId);
  };
  if (!isHashablePassword(input.password)) return fail('password_too_long', undefined);
  const user = await findUserByTypedUsername(ctx.store, input.username);
  if (user === undefined) {
    await ctx.hasher.verifyDummy(input.password);
    return fail('unknown_user', undefined);
  }
  const matches = await ctx.hasher.verify(user.passwordHash, input.password);
  if (!matches) return fail('bad_password', user.id);
  if (!user.isActive) return fail('inactive', user.id);

  const sessionId = ctx.randomId();
  const subject = subjectOf(user);
  const now = ctx.clock.now();
  const timing = { issuedAt: now, notAfter: now + ctx.settings.sessionMaxAgeSeconds * 1000 };
  const refresh = ctx.minter.mint('refresh', subject, sessionId, ctx.randomId(), timing);
  const access = ctx.minter.mint('access', subject, sessionId, ctx.randomId(), timing);
  await ctx.store.startSession(
    { sessionId, userId: user.id, now, ip: input.ip, userAgent: input.userAgent, token: refresh },
    auditEntry('login_success', input, now, { userId: user.id, username: user.username, sessionId }),
  );
  return { access: access.token, refresh: refresh.token, refreshExpiresAt: refresh.expiresAt, user, sessionId };
}

/** The 401 every failed login gets. */
export const badCredentials = () => new AuthError('authentication_failed');
