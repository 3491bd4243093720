import type { TokenClaims } from '@tessera/protocol';
import { decodeJwtClaims } from './jwt-claims.js';

/**
 * What the client knows about the current session. In bearer transport it
 * holds the pair; in cookie transport the tokens stay in HttpOnly cookies and
 * only the access token's claims (decoded from the login/refresh body, the
 * token itself discarded) are kept.
 */
export interface Session {
  readonly access: string | null;
  readonly refresh: string | null;
  /** Claims of the access token, or null when the server sent none (cookie transport). */
  readonly claims: TokenClaims | null;
  /**
   * Names the credentials this session sends: the access token's `jti`, or a
   * random id. A request remembers the stamp it was sent with, so a 401 can
   * tell whether the credentials changed since.
   */
  readonly stamp: string;
}

/** A session from a token pair; null when `access` is not a JWT. */
export function sessionFromPair(access: string, refresh: string): Session | null {
  const claims = decodeJwtClaims(access);
  if (claims === null) return null;
  return { access, refresh, claims, stamp: typeof claims.jti === 'string' ? claims.jti : access };
}

/**
 * A cookie-transport session: claims only, from the body's `claims` (a
 * browser's cookie login or refresh, whose body carries no token) or from
 * its access token (a server that still sends the pair).
 */
export function sessionFromCookieLogin(body: unknown, randomStamp: () => string): Session {
  const fields = typeof body === 'object' && body !== null ? (body as { access?: unknown; claims?: unknown }) : {};
  const claims =
    typeof fields.access === 'string' ? decodeJwtClaims(fields.access) : isClaims(fields.claims) ? fields.claims : null;
  const stamp = claims !== null && typeof claims.jti === 'string' ? claims.jti : randomStamp();
  return { access: null, refresh: null, claims, stamp };
}

/** The storage form of a session. */
export function serializeSession(session: Session): string {
  return JSON.stringify({ v: 1, ...session });
}

/** A session read back from storage; null for anything else (absent, corrupt, another format). */
export function parseSession(text: string | null): Session | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (value.v !== 1 || typeof value.stamp !== 'string') return null;
    const access = typeof value.access === 'string' ? value.access : null;
    const refresh = typeof value.refresh === 'string' ? value.refresh : null;
    const claims = access !== null ? decodeJwtClaims(access) : isClaims(value.claims) ? value.claims : null;
    return { access, refresh, claims, stamp: value.stamp };
  } catch {
    return null;
  }
}

function isClaims(value: unknown): value is TokenClaims {
  return typeof value === 'object' && value !== null && typeof (value as { exp?: unknown }).exp === 'number';
}

/** Whether two sessions (or their absence) are the same credentials. */
export function sameSession(a: Session | null, b: Session | null): boolean {
  return a === b || (a !== null && b !== null && a.stamp === b.stamp);
}
