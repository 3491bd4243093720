import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';

/** The parts of {@link Config} that shape cookies. */
export type CookieSettings = Pick<
  Config,
  'cookieSecure' | 'cookieSameSite' | 'pathPrefix' | 'accessTokenTtlSeconds' | 'refreshTokenTtlSeconds'
>;

/** The readable CSRF cookie, named as Django names it, which the clients look for. */
export const CSRF_COOKIE = 'csrftoken';
export const CSRF_HEADER = 'x-csrftoken';

/**
 * `__Host-` for the access cookie (Secure, Path=/, no Domain). The refresh
 * cookie cannot be `__Host-`, which requires Path=/: it is scoped to the
 * token and auth paths instead, so no other request carries it.
 */
export function cookieNames(settings: Pick<Config, 'cookieSecure'>) {
  return settings.cookieSecure
    ? { access: '__Host-tessera-access', refresh: '__Secure-tessera-refresh' }
    : { access: 'tessera-access', refresh: 'tessera-refresh' };
}

/**
 * Where the refresh cookie goes: refresh, blacklist and revoke under
 * /api/token/; refresh and logout under /api/auth/; and `GET /api/csrf/`,
 * which binds the CSRF token it hands out to the session even after the
 * access cookie lapsed, instead of replacing the session's token with one of
 * no session.
 */
const refreshPaths = (settings: CookieSettings) => [
  `${settings.pathPrefix}/api/token/`,
  `${settings.pathPrefix}/api/auth/`,
  `${settings.pathPrefix}/api/csrf/`,
];

function base(settings: CookieSettings): CookieSerializeOptions {
  return { secure: settings.cookieSecure, sameSite: settings.cookieSameSite, path: '/' };
}

/** Sets the pair as HttpOnly cookies and a CSRF token bound to its session. */
export function setSessionCookies(
  reply: FastifyReply,
  settings: CookieSettings,
  tokens: { access: string; refresh: string; refreshExpiresInSeconds: number; csrf: string },
): void {
  const names = cookieNames(settings);
  void reply.setCookie(names.access, tokens.access, {
    ...base(settings),
    httpOnly: true,
    maxAge: settings.accessTokenTtlSeconds,
  });
  for (const path of refreshPaths(settings)) {
    void reply.setCookie(names.refresh, tokens.refresh, {
      ...base(settings),
      httpOnly: true,
      path,
      maxAge: Math.max(0, tokens.refreshExpiresInSeconds),
    });
  }
  // As long as the refresh cookie: a token bound to a session must not outlive the cookies of that session.
  setCsrfCookie(reply, settings, tokens.csrf, tokens.refreshExpiresInSeconds);
}

/** The CSRF cookie alone: readable by the page, which echoes it in `X-CSRFToken`. */
export function setCsrfCookie(
  reply: FastifyReply,
  settings: CookieSettings,
  token: string,
  maxAgeSeconds = settings.refreshTokenTtlSeconds,
): void {
  void reply.setCookie(CSRF_COOKIE, token, { ...base(settings), httpOnly: false, maxAge: Math.max(0, maxAgeSeconds) });
}

/** Expires every cookie tessera sets. */
export function clearSessionCookies(reply: FastifyReply, settings: CookieSettings): void {
  const names = cookieNames(settings);
  void reply.clearCookie(names.access, { ...base(settings), httpOnly: true });
  for (const path of refreshPaths(settings))
    void reply.clearCookie(names.refresh, { ...base(settings), httpOnly: true, path });
  void reply.clearCookie(CSRF_COOKIE, base(settings));
}

/** A cookie's value, when it is a non-empty string. Parses the request's cookies on first use. */
export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  // @fastify/cookie runs with `hook: false`: most requests carry no cookie a handler reads.
  const header = request.headers.cookie;
  request.cookies ??= header === undefined ? {} : request.server.parseCookie(header);
  const value = request.cookies[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
