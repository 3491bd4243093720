import type { FastifyRequest } from 'fastify';
import { authenticateAccessToken, type Principal } from '../auth/access.js';
import type { AuthContext } from '../auth/context.js';
import { andThen, type Awaitable } from '../awaitable.js';
import { AuthError, TokenError, accessTokenNotValid, invalidToken } from '../errors.js';
import { cookieNames, cookieOf } from '../cookie-mode/cookies.js';
import { isUnsafe, requireCsrf } from '../cookie-mode/csrf.js';

/** What an `Authorization` header says: nothing for us, a malformed Bearer, or a token. */
export type AuthorizationHeader = { kind: 'absent' } | { kind: 'malformed' } | { kind: 'bearer'; token: string };

// Python's bytes.split(): ASCII white space only.
const WHITESPACE = /[ \t\n\r\f\v]+/;

/**
 * Parses `Authorization` as SimpleJWT does, except that the scheme is matched
 * case-insensitively (RFC 6750). Another scheme is "absent", not an error,
 * so that other authenticators could take it.
 *
 * @example
 * ```ts
 * parseAuthorizationHeader('bearer abc'); // { kind: 'bearer', token: 'abc' }
 * parseAuthorizationHeader('Basic abc');  // { kind: 'absent' }
 * ```
 */
export function parseAuthorizationHeader(header: string | undefined): AuthorizationHeader {
  const parts = (header ?? '').split(WHITESPACE).filter((part) => part !== '');
  if (parts.length === 0 || parts[0]?.toLowerCase() !== 'bearer') return { kind: 'absent' };
  if (parts.length !== 2) return { kind: 'malformed' };
  return { kind: 'bearer', token: parts[1] as string };
}

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
    // tessera sets its cookies with its own tokens; a cutover's SimpleJWT tokens come as Bearer headers only.
    if (principal.sessionId === undefined) throw accessTokenNotValid(invalidToken());
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
