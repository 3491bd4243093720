import {
  parseAuthorizationHeader as parseBearerHeader,
  type AuthorizationHeader as BearerHeader,
} from '@tessera/protocol';
import type { FastifyRequest } from 'fastify';
import { authenticateAccessToken, type Principal } from '../auth/access.js';
import type { AuthContext } from '../auth/context.js';
import { authenticateDrfToken } from '../auth/legacy-principal.js';
import { DRF_TOKEN_DETAILS } from '../legacy/drf-tokens.js';
import { clientOf, logSecurityEvent } from './security-log.js';
import { requireAccessProof } from './dpop-access.js';
import { andThen, type Awaitable } from '../awaitable.js';
import { AuthError, TokenError, accessTokenNotValid, invalidToken } from '../errors.js';
import { cookieNames, cookieOf } from '../cookie-mode/cookies.js';
import { isUnsafe, requireCsrf } from '../cookie-mode/csrf.js';

/**
 * What an `Authorization` header says: nothing for us, a malformed Bearer, a
 * token, or a DRF `Token` key (or DRF's reason it is malformed), which only
 * `TESSERA_LEGACY_DRF_TOKENS=on` takes.
 */
export type AuthorizationHeader =
  BearerHeader | { kind: 'drf_token'; key: string } | { kind: 'malformed_drf_token'; detail: string };

// Python's bytes.split(): ASCII white space only.
const WHITESPACE = /[ \t\n\r\f\v]+/;

/**
 * Parses `Authorization`: the Bearer scheme as @tessera/protocol reads it
 * (SimpleJWT's rule, the scheme matched case-insensitively), and DRF's
 * `Token` scheme, which that parser calls "absent".
 *
 * @example
 * ```ts
 * parseAuthorizationHeader('bearer abc'); // { kind: 'bearer', token: 'abc' }
 * parseAuthorizationHeader('Token abc');  // { kind: 'drf_token', key: 'abc' }
 * parseAuthorizationHeader('Basic abc');  // { kind: 'absent' }
 * ```
 */
export function parseAuthorizationHeader(header: string | undefined): AuthorizationHeader {
  const bearer = parseBearerHeader(header);
  if (bearer.kind !== 'absent') return bearer;
  const parts = (header ?? '').split(WHITESPACE).filter((part) => part !== '');
  return parts[0]?.toLowerCase() === 'token' ? parseDrfToken(parts) : bearer;
}

/** `Token <key>` as DRF's TokenAuthentication reads it, with its words for each malformed form. */
function parseDrfToken(parts: string[]): AuthorizationHeader {
  if (parts.length === 1) return { kind: 'malformed_drf_token', detail: DRF_TOKEN_DETAILS.noCredentials };
  if (parts.length > 2) return { kind: 'malformed_drf_token', detail: DRF_TOKEN_DETAILS.spaces };
  const key = parts[1] as string;
  // Header bytes past ASCII are what DRF cannot decode.
  if (/[^\x21-\x7e]/.test(key)) return { kind: 'malformed_drf_token', detail: DRF_TOKEN_DETAILS.invalidCharacters };
  return { kind: 'drf_token', key };
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
  if (header.kind === 'bearer' || header.kind === 'dpop') {
    const principal = authenticate(ctx, header.token);
    // An unbound Bearer token served from the cache stays synchronous: no closure, no promise.
    if (!(principal instanceof Promise) && principal.claims.cnf === undefined && header.kind === 'bearer') {
      return principal;
    }
    return andThen(principal, (caller) => requireAccessProof(ctx, request, header.token, header.kind, caller));
  }
  if (header.kind === 'malformed') throw new AuthError('bad_authorization_header');
  if (ctx.settings.legacyDrfTokens) {
    // Explicit like Bearer: no CSRF token needed.
    if (header.kind === 'drf_token') {
      return authenticateDrfToken(ctx, header.key, clientOf(request)).then((principal) => {
        logSecurityEvent(request, 'legacy_token_used', { userId: principal.user.id, reason: 'drf_token' });
        return principal;
      });
    }
    if (header.kind === 'malformed_drf_token') throw new AuthError('authentication_failed', { detail: header.detail });
  }
  const cookie = ctx.settings.cookieMode ? cookieOf(request, cookieNames(ctx.settings).access) : undefined;
  if (cookie === undefined) throw new AuthError('not_authenticated');
  // A browser sends the cookie on its own, so unsafe requests prove their origin.
  return andThen(authenticate(ctx, cookie), (principal) => {
    // tessera sets its cookies with its own tokens; a cutover's SimpleJWT tokens come as Bearer headers only.
    if (principal.sessionId === undefined) throw accessTokenNotValid(invalidToken());
    if (isUnsafe(request)) requireCsrf(ctx, request, [principal.sessionId]);
    // A bound token in a cookie needs its proof all the same: the cookie is sent by the browser, the proof by the key's holder.
    return requireAccessProof(ctx, request, cookie, 'cookie', principal);
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
