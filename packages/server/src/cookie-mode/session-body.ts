/**
 * What a login or refresh answers when its tokens travel in HttpOnly cookies
 * only. The JSON body of such an answer must carry no token: a script on the
 * page could read it, and a refresh token works from anywhere.
 */
import type { CookieSessionResponse, TokenClaims } from '@tessera/protocol';
import type { FastifyRequest } from 'fastify';
import type { AuthContext, IssuedPair } from '../auth/context.js';
import { CSRF_HEADER } from './cookies.js';

/**
 * Whether a login is a browser's cookie login, answered without tokens: in
 * cookie mode, one that sends `X-CSRFToken` (which a browser holding tessera
 * cookies must, and the tessera client always does), or one a page of this
 * origin sends (`Sec-Fetch-Site: same-origin`), whose browser keeps the
 * cookies. Any other login, such as a bearer app on another origin, gets
 * SimpleJWT's pair.
 */
export function isCookieLogin(ctx: AuthContext, request: FastifyRequest): boolean {
  if (!ctx.settings.cookieMode) return false;
  const header = request.headers[CSRF_HEADER];
  return (typeof header === 'string' && header !== '') || request.headers['sec-fetch-site'] === 'same-origin';
}

/**
 * The body for a pair that went out as cookies: when each token expires, and
 * the access token's claims (who is logged in), never a token.
 *
 * @example
 * ```ts
 * return isCookieLogin(ctx, request) ? cookieSessionBody(ctx, pair) : { refresh: pair.refresh, access: pair.access };
 * ```
 */
export function cookieSessionBody(ctx: AuthContext, pair: IssuedPair): CookieSessionResponse {
  const claims = ctx.jwt.verify(pair.access) as unknown as TokenClaims;
  return {
    access_expiration: new Date(claims.exp * 1000).toISOString(),
    refresh_expiration: new Date(pair.refreshExpiresAt).toISOString(),
    claims,
  };
}
