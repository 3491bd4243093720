import { parseAuthorizationHeader } from '@tessera/protocol';
import type { FastifyRequest } from 'fastify';
import { authenticateAccessToken, type Principal } from '../auth/access.js';
import type { AuthContext } from '../auth/context.js';
import { andThen, type Awaitable } from '../awaitable.js';
import { AuthError, TokenError, accessTokenNotValid } from '../errors.js';
import { cookieNames, cookieOf } from '../cookie-mode/cookies.js';
import { isUnsafe, requireCsrf } from '../cookie-mode/csrf.js';

/**
 * The caller of a protected endpoint; synchronous when its session is cached.
 * @throws {AuthError} the contract's 401 for each way the header or token fails (thrown, or as the promise's rejection).
 */
export function requirePrincipal(ctx: AuthContext, request: FastifyRequest): Awaitable<Principal> {
  // An explicit Bearer header decides, cookies or not: a page of another
  // origin cannot make a browser send one (CORS would ask first), so it needs
  // no CSRF token — which is what lets Swagger's "Try it out" work beside a
  // cookie session.
  const header = parseAuthorizationHeader(request.headers.authorization);
  if (header.kind === 'bearer') return authenticate(ctx, header.token);
  if (header.kind === 'malformed') throw new AuthError('bad_authorization_header');
  const cookie = ctx.settings.cookieMode ? cookieOf(request, cookieNames(ctx.settings).access) : undefined;
  if (cookie === undefined) throw new AuthError('not_authenticated');
  // A browser sends the cookie on its own, so unsafe requests prove their origin.
  return andThen(authenticate(ctx, cookie), (principal) => {
    if (isUnsafe(request)) requireCsrf(ctx, request, [principal.sessionId]);
    return principal;
  });
}

function authenticate(ctx: AuthContext, token: string): Awaitable<Principal> {
  try {
    const principal = authenticateAccessToken(ctx, token);
    return principal instanceof Promise ? principal.catch(rethrowAsAccessError) : principal;
  } catch (error) {
    return rethrowAsAccessError(error);
  }
}

/** A token's failure as the 401 of a protected endpoint; anything else as it is. */
function rethrowAsAccessError(error: unknown): never {
  if (error instanceof TokenError) throw accessTokenNotValid(error);
  throw error;
}
