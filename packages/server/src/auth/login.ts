import { details } from '@tessera/protocol';
import { AuthError } from '../errors.js';
import { isHashablePassword } from '../passwords/hasher.js';
import type { AuditEntry, StartSession, UserRecord } from '../store/types.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import { auditEntry } from './audit.js';
import { accessBindingOf, subjectOf, type AccessDelivery, type AuthContext, type IssuedPair } from './context.js';
import { findUserByTypedUsername } from './user-lookup.js';

export interface LoginInput {
  username: string;
  password: string;
  ip: string;
  userAgent: string;
  /** The thumbprint of the key whose DPoP proof came with the login: the session is bound to it. */
  dpopJkt?: string | undefined;
  /** `cookie_only` for a browser's cookie login: its access token is not bound (see {@link accessBindingOf}). */
  accessDelivery?: AccessDelivery | undefined;
}

export interface LoginResult extends IssuedPair {
  user: UserRecord;
  /** A Django hash replaced by argon2id with this login, or the reason it could not be (tried again next time). */
  passwordUpgrade?: { upgraded: true } | { upgraded: false; error: unknown };
}

/** Why a login failed, for the log only: the client always sees the same 401. */
export type LoginFailure = 'unknown_user' | 'bad_password' | 'inactive' | 'password_too_long' | 'email_not_verified';

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
  // Only after the right password: the answer tells nothing about a wrong one.
  if (ctx.settings.emailVerification === 'required' && !user.emailVerified) return fail('email_not_verified', user.id);

  const sessionId = ctx.randomId();
  const subject = subjectOf(user);
  const now = ctx.clock.now();
  const timing = { issuedAt: now, notAfter: now + ctx.settings.sessionMaxAgeSeconds * 1000 };
  const refresh = ctx.minter.mint('refresh', subject, sessionId, ctx.randomId(), timing);
  const { ip, userAgent, dpopJkt } = input;
  const binding = accessBindingOf(ctx.settings, dpopJkt, input.accessDelivery);
  const access = ctx.minter.mint('access', subject, sessionId, ctx.randomId(), timing, binding);
  const session = { sessionId, userId: user.id, now, ip, userAgent, token: refresh, dpopJkt };
  const audit = auditEntry('login_success', input, now, { userId: user.id, username: user.username, sessionId });
  const passwordUpgrade = await startSessionUpgrading(ctx, user, input.password, session, audit);
  const pair = { access: access.token, refresh: refresh.token, refreshExpiresAt: refresh.expiresAt };
  return { ...pair, user, sessionId, ...(passwordUpgrade && { passwordUpgrade }) };
}

/**
 * Starts the session and, when the user's hash is one of Django's, rewrites it
 * as argon2id in the same transaction, as Django's `must_update` does. A
 * failed upgrade never fails the login: the session is started without it,
 * and the next login tries again. A store that cannot be reached fails both.
 */
async function startSessionUpgrading(
  ctx: AuthContext,
  user: UserRecord,
  password: string,
  session: StartSession,
  audit: AuditEntry,
): Promise<LoginResult['passwordUpgrade']> {
  if (!ctx.hasher.needsUpgrade(user.passwordHash)) {
    await ctx.store.startSession(session, audit);
    return undefined;
  }
  try {
    const to = await ctx.hasher.hash(password);
    await ctx.store.startSession({ ...session, passwordUpgrade: { from: user.passwordHash, to } }, audit);
    return { upgraded: true };
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    await ctx.store.startSession(session, audit);
    return { upgraded: false, error };
  }
}

/** The 401 every failed login gets. */
export const badCredentials = () => new AuthError('authentication_failed');

/** The 401 of a failed login: its own code for an unverified address (the password was right), else {@link badCredentials}. */
export const loginRefusal = (error: LoginFailedError): AuthError =>
  error.reason === 'email_not_verified' ? new AuthError('email_not_verified') : badCredentials();
