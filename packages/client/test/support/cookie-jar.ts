// A browser's cookie jar in front of Node's fetch: it keeps the cookies a
// server sets (by name and path, with Max-Age on a clock of the test's),
// sends those whose path matches, adds the Origin a same-origin page would,
// and shows a page only the cookies that are not HttpOnly.
import type { DocumentLike, FetchLike } from '../../src/index.js';

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  httpOnly: boolean;
  /** Milliseconds on the jar's clock; undefined for a session cookie. */
  expiresAt: number | undefined;
}

export interface CookieJar {
  /** `fetch` with the jar's cookies and an `Origin` of `origin` on unsafe methods. */
  fetch: FetchLike;
  /** A `document` whose `cookie` is the jar's non-HttpOnly cookies for `/`, as a page reads them. */
  document: DocumentLike;
  /** The value of cookie `name` held for `path` (HttpOnly ones included), or undefined. */
  get(name: string, path?: string): string | undefined;
  /** Every cookie held, as `name@path`. */
  names(): string[];
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function parseSetCookie(header: string, now: number): StoredCookie {
  const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
  const eq = pair.indexOf('=');
  const cookie: StoredCookie = {
    name: pair.slice(0, eq),
    value: decodeURIComponent(pair.slice(eq + 1)),
    path: '/',
    httpOnly: false,
    expiresAt: undefined,
  };
  for (const attribute of attributes) {
    const [key = '', value = ''] = attribute.split('=');
    const name = key.toLowerCase();
    if (name === 'path') cookie.path = value;
    if (name === 'httponly') cookie.httpOnly = true;
    if (name === 'max-age') cookie.expiresAt = now + Number(value) * 1000;
    if (name === 'expires' && cookie.expiresAt === undefined) cookie.expiresAt = Date.parse(value);
  }
  return cookie;
}

const pathMatches = (cookiePath: string, requestPath: string) =>
  requestPath === cookiePath || requestPath.startsWith(cookiePath.endsWith('/') ? cookiePath : `${cookiePath}/`);

/** A jar for pages served from `origin`, whose cookies expire by `now()` (the server's clock in these tests). */
export function createCookieJar(origin: string, now: () => number): CookieJar {
  const cookies = new Map<string, StoredCookie>();
  const live = () => {
    for (const [key, cookie] of cookies)
      if (cookie.expiresAt !== undefined && cookie.expiresAt <= now()) cookies.delete(key);
    return [...cookies.values()];
  };
  const headerFor = (path: string, visible: (cookie: StoredCookie) => boolean) =>
    live()
      .filter((cookie) => pathMatches(cookie.path, path) && visible(cookie))
      // Longer paths first, as browsers order them.
      .sort((a, b) => b.path.length - a.path.length)
      .map((cookie) => `${cookie.name}=${encodeURIComponent(cookie.value)}`)
      .join('; ');

  const jarFetch: FetchLike = async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : input instanceof URL ? input.href : input);
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    const cookie = init.credentials === 'include' ? headerFor(url.pathname, () => true) : '';
    if (cookie !== '') headers.set('cookie', cookie);
    if (!SAFE.has(method)) headers.set('origin', origin);
    const response = await fetch(url, { ...init, headers });
    for (const header of response.headers.getSetCookie()) {
      const set = parseSetCookie(header, now());
      cookies.set(`${set.name}@${set.path}`, set);
    }
    live();
    return response;
  };

  return {
    fetch: jarFetch,
    document: {
      get cookie() {
        return headerFor('/', (cookie) => !cookie.httpOnly);
      },
      visibilityState: 'visible',
    },
    get: (name, path = '/') => live().find((cookie) => cookie.name === name && pathMatches(cookie.path, path))?.value,
    names: () => live().map((cookie) => `${cookie.name}@${cookie.path}`),
  };
}
