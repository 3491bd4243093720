import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../auth/context.js';
import { constantTimeEqual } from './csrf-tokens.js';
import { AuthError } from '../errors.js';
import { CSRF_COOKIE, CSRF_HEADER, cookieOf } from './cookies.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export const isUnsafe = (request: FastifyRequest): boolean => !SAFE_METHODS.has(request.method);

const csrfFailed = (reason: string) => new AuthError('csrf_failed', { detail: `CSRF Failed: ${reason}` });

/**
 * The request must come from this origin or an allowed one: by `Origin`, or
 * when a browser sends none, by `Sec-Fetch-Site`. A request with neither is
 * not from a browser, and the double-submit token alone decides.
 * @throws {AuthError} 403 `csrf_failed`.
 */
export function requireAllowedOrigin(ctx: AuthContext, request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    const own = `${request.protocol}://${request.host}`;
    if (origin !== own && !ctx.settings.corsOrigins.includes(origin)) {
      throw csrfFailed(
        `Origin checking failed - ${JSON.stringify(origin).slice(1, -1)} does not match any trusted origins.`,
      );
    }
    return;
  }
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw csrfFailed('Cross-site request refused.');
}

/**
 * Django's double submit, bound to a session: the readable `csrftoken`
 * cookie and the `X-CSRFToken` header must be present and equal (compared in
 * constant time), and the token must have been issued for one of `sessions`
 * (`null`: before login).
 * @throws {AuthError} 403 `csrf_failed`.
 */
export function requireCsrf(ctx: AuthContext, request: FastifyRequest, sessions: ReadonlyArray<string | null>): void {
  requireAllowedOrigin(ctx, request);
  const cookie = cookieOf(request, CSRF_COOKIE);
  if (cookie === undefined) throw csrfFailed('CSRF cookie not set.');
  const header = request.headers[CSRF_HEADER];
  if (typeof header !== 'string' || header === '') throw csrfFailed('CSRF token missing.');
  if (!constantTimeEqual(cookie, header) || !sessions.some((sid) => ctx.csrf.verify(cookie, sid))) {
    throw csrfFailed('CSRF token incorrect.');
  }
}
