import type { DocumentLike } from './platform.js';
import type { Session } from './session.js';

/** How credentials travel: `bearer` sends the access token; `cookie` leaves them to HttpOnly cookies. */
export type TransportKind = 'bearer' | 'cookie';

/** The credentials of one request to the API. */
export interface Credentials {
  headers: Record<string, string>;
  /** `'include'` in cookie transport, so the browser sends the cookies cross-origin too. */
  credentials: RequestInit['credentials'] | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export interface TransportOptions {
  kind: TransportKind;
  csrfCookieName: string;
  csrfHeaderName: string;
  document: DocumentLike | null;
}

/** Applies a transport's rules to requests. */
export interface Transport {
  readonly kind: TransportKind;
  /** The credentials for a request with `method` in `session` (none without a session). */
  credentialsFor(method: string, session: Session | null): Credentials;
  /** The body of a refresh request; null when this session cannot refresh. */
  refreshBody(session: Session): Record<string, string> | null;
  /** The body of a logout request. */
  logoutBody(session: Session): Record<string, string>;
}

/**
 * The transport for `options.kind`.
 *
 * @example
 * ```ts
 * const transport = createTransport({ kind: 'cookie', csrfCookieName: 'csrftoken', csrfHeaderName: 'X-CSRFToken', document });
 * transport.credentialsFor('POST', session); // { headers: { 'X-CSRFToken': '…' }, credentials: 'include' }
 * ```
 */
export function createTransport(options: TransportOptions): Transport {
  if (options.kind === 'bearer') {
    return {
      kind: 'bearer',
      credentialsFor: (_method, session) => ({
        headers: session?.access ? { Authorization: `${accessScheme(session)} ${session.access}` } : {},
        credentials: undefined,
      }),
      refreshBody: (session) => (session.refresh === null ? null : { refresh: session.refresh }),
      logoutBody: (session) => (session.refresh === null ? {} : { refresh: session.refresh }),
    };
  }
  return {
    kind: 'cookie',
    credentialsFor(method) {
      const headers: Record<string, string> = {};
      if (!SAFE_METHODS.has(method.toUpperCase())) {
        const token = readCookie(options.document?.cookie ?? '', options.csrfCookieName);
        if (token !== null) headers[options.csrfHeaderName] = token;
      }
      return { headers, credentials: 'include' };
    },
    refreshBody: () => ({}),
    logoutBody: () => ({}),
  };
}

/**
 * The scheme a session's access token goes with: `DPoP` when the token is
 * bound to the device's key (its claims have `cnf.jkt`, RFC 9449 §6.1), and
 * then each request also needs a proof; `Bearer` otherwise.
 */
export function accessScheme(session: Session): 'DPoP' | 'Bearer' {
  return isBoundAccess(session) ? 'DPoP' : 'Bearer';
}

/** Whether the session's access token is DPoP-bound: the server then wants a proof with `ath` on each request. */
export function isBoundAccess(session: Session | null): session is Session & { access: string } {
  const jkt = (session?.claims?.cnf as { jkt?: unknown } | undefined)?.jkt;
  return session?.access != null && typeof jkt === 'string' && jkt !== '';
}

/** The value of cookie `name` in a `document.cookie` string, or null. */
export function readCookie(cookies: string, name: string): string | null {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return null;
}
