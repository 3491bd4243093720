/**
 * Cookie mode (`TESSERA_COOKIE_MODE=on`): login and refresh also set
 * the pair as HttpOnly cookies, and the token endpoints read the refresh
 * cookie when the body has none. Every request a cookie authenticates must
 * pass the CSRF checks; Bearer clients are unaffected.
 */
import { fieldMessages } from '@tessera/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext, IssuedPair } from '../auth/context.js';
import { TokenError } from '../errors.js';
import { readToken, sessionIdOf } from '../tokens/claims.js';
import { collectFields, throwFieldErrors } from '../http/body.js';
import { CSRF_COOKIE, clearSessionCookies, cookieNames, cookieOf, setSessionCookies } from './cookies.js';
import { requireAllowedOrigin, requireCsrf } from './csrf.js';

/**
 * The session a token names, if it is one of ours and unexpired; undefined
 * otherwise (the endpoint refuses such a token itself, changing nothing).
 */
function sessionOf(ctx: AuthContext, token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    return sessionIdOf(readToken(ctx.jwt, ctx.settings, ctx.clock, token));
  } catch (error) {
    if (error instanceof TokenError) return undefined;
    throw error;
  }
}

/** A refresh token and where it came from: a refresh the cookie authenticated is answered without tokens. */
export interface PresentedRefresh {
  token: string;
  fromCookie: boolean;
}

/**
 * The refresh token a request presents: the body's `refresh`, or in cookie
 * mode the refresh cookie when the body has none, after the CSRF checks.
 * @throws {AuthError} the field error when there is neither, or 403 `csrf_failed`.
 */
export function presentedRefresh(ctx: AuthContext, request: FastifyRequest): PresentedRefresh {
  const { values, errors } = collectFields(request, { refresh: {} });
  if (values.refresh !== undefined) return { token: values.refresh, fromCookie: false };
  const cookie = ctx.settings.cookieMode ? cookieOf(request, cookieNames(ctx.settings).refresh) : undefined;
  if (cookie !== undefined && errors.refresh?.[0] === fieldMessages.required) {
    const sessionId = sessionOf(ctx, cookie);
    if (sessionId !== undefined) requireCsrf(ctx, request, [sessionId]);
    return { token: cookie, fromCookie: true };
  }
  throwFieldErrors(errors, ['refresh']);
  throw new Error('unreachable: a missing field is a field error');
}

/** {@link presentedRefresh}'s token alone, for the endpoints that answer the same either way. */
export function presentedRefreshToken(ctx: AuthContext, request: FastifyRequest): string {
  return presentedRefresh(ctx, request).token;
}

/**
 * Login in cookie mode: from an allowed origin, and when the browser already
 * holds tessera cookies, with a CSRF token of no session or of the one it has.
 * @throws {AuthError} 403 `csrf_failed`.
 */
export function requireLoginCsrf(ctx: AuthContext, request: FastifyRequest): void {
  if (!ctx.settings.cookieMode) return;
  requireAllowedOrigin(ctx, request);
  const names = cookieNames(ctx.settings);
  const held = [names.access, names.refresh].map((name) => cookieOf(request, name));
  if (cookieOf(request, CSRF_COOKIE) === undefined && held.every((value) => value === undefined)) return;
  const sessions = held.map((token) => sessionOf(ctx, token)).filter((sid): sid is string => sid !== undefined);
  requireCsrf(ctx, request, [null, ...sessions]);
}

/** In cookie mode, sets a fresh pair as cookies, with a CSRF token bound to its session. */
export function issueSessionCookies(ctx: AuthContext, reply: FastifyReply, pair: IssuedPair): void {
  if (!ctx.settings.cookieMode) return;
  setSessionCookies(reply, ctx.settings, {
    access: pair.access,
    refresh: pair.refresh,
    refreshExpiresInSeconds: pair.refreshExpiresAt / 1000 - Math.floor(ctx.clock.now() / 1000),
    csrf: ctx.csrf.issue(pair.sessionId),
  });
}

/** In cookie mode, expires the session cookies (logout). */
export function endSessionCookies(ctx: AuthContext, reply: FastifyReply): void {
  if (ctx.settings.cookieMode) clearSessionCookies(reply, ctx.settings);
}

/**
 * The CSRF token for this browser, bound to the session of its access cookie,
 * else of its refresh cookie, else to none. The token it holds is kept when it
 * is already right for that session (`fresh: false`): a page may have read it,
 * and a navigation to this endpoint must not change it under the page.
 */
export function csrfTokenFor(ctx: AuthContext, request: FastifyRequest): { token: string; fresh: boolean } {
  const names = cookieNames(ctx.settings);
  const sessionOfCookie = (name: string) =>
    ctx.settings.cookieMode ? sessionOf(ctx, cookieOf(request, name)) : undefined;
  const sessionId = sessionOfCookie(names.access) ?? sessionOfCookie(names.refresh) ?? null;
  const held = cookieOf(request, CSRF_COOKIE);
  if (held !== undefined && ctx.csrf.verify(held, sessionId)) return { token: held, fresh: false };
  return { token: ctx.csrf.issue(sessionId), fresh: true };
}
