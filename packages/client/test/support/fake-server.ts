// A scripted stand-in for tessera: unsigned JWT-shaped tokens, rotation with
// single-use refresh tokens, a clock of its own, and switches to go offline,
// hold responses and answer with chosen statuses.
import type { FetchLike } from '../../src/index.js';

export interface FakeServerOptions {
  /** The server's clock in ms; moves only when the test moves it. */
  now: () => number;
  accessTtlSeconds?: number;
  /** Cookie transport: tokens travel in cookies; the body still carries the pair unless `cookieBody` is false. */
  cookies?: boolean;
  cookieBody?: boolean;
  /** Send a `Date` header (default true); false as a cross-origin response without Access-Control-Expose-Headers. */
  sendDate?: boolean;
  /** Called when `GET /api/csrf/` sets the `csrftoken` cookie (the browser's jar, for a fake `document`). */
  onCsrfCookie?: (token: string) => void;
}

export interface FakeCall {
  method: string;
  path: string;
  headers: Headers;
  body: unknown;
  credentials: RequestInit['credentials'];
}

export const BASE = 'https://api.test';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function createFakeServer(options: FakeServerOptions) {
  const ttl = options.accessTtlSeconds ?? 300;
  let counter = 0;
  const liveRefresh = new Set<string>();
  const liveAccess = new Set<string>();
  const cookieJar = new Map<string, string>();
  const calls: FakeCall[] = [];
  const held: Array<{ path: string; release: () => void }> = [];
  const server = {
    calls,
    offline: false,
    /** Paths whose responses wait for `release()`. */
    hold: new Set<string>(),
    /** Status to answer on a path instead of handling it (once each); a 429 says `Retry-After: retryAfterSeconds`. */
    failNext: new Map<string, number>(),
    /** null: no `Retry-After`, as a cross-origin answer without Access-Control-Expose-Headers. */
    retryAfterSeconds: 42 as number | null,
    /** The server's `Date` header is sent unless this is false (a cross-origin response hides it). */
    sendDate: options.sendDate ?? true,
    count: (path: string) => calls.filter((call) => call.path.replace(/^\/auth\//, '/') === path).length,
    mint(username = 'alice', sid = 's1') {
      const iat = Math.floor(options.now() / 1000);
      const claims = (type: string, exp: number) => ({
        token_type: type,
        exp,
        iat,
        jti: (++counter).toString(16).padStart(32, '0'),
        user_id: '1',
        username,
        sid,
      });
      const access = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims('access', iat + ttl))}.sig`;
      const refresh = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims('refresh', iat + 86_400))}.sig`;
      liveAccess.add(access);
      liveRefresh.add(refresh);
      return { access, refresh };
    },
    /** Ends every session, as revoke-all or a password change would. */
    revokeAll() {
      liveAccess.clear();
      liveRefresh.clear();
    },
    releaseAll() {
      for (const entry of held.splice(0)) entry.release();
    },
    heldCount: () => held.length,
    fetch: (async (input, init) => {
      const request = input instanceof Request ? input : null;
      const url = request?.url ?? (input instanceof URL ? input.href : (input as string));
      const rawPath = new URL(url).pathname;
      const path = rawPath.replace(/^\/auth\//, '/');
      const headers = new Headers(init?.headers ?? request?.headers);
      const text = request !== null ? await request.text() : typeof init?.body === 'string' ? init.body : '';
      const call: FakeCall = {
        method: (init?.method ?? request?.method ?? 'GET').toUpperCase(),
        path: rawPath,
        headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
        credentials: init?.credentials,
      };
      calls.push(call);
      if (server.offline) throw new TypeError('fetch failed');
      // A held request reaches the server late: it is handled when released.
      if (server.hold.has(path)) await new Promise<void>((release) => held.push({ path, release }));
      if (server.offline) throw new TypeError('fetch failed');
      return respond(path, call.method, headers, call.body);
    }) as FetchLike,
  };

  function json(status: number, body: unknown, extraHeaders: Record<string, string> = {}): Response {
    const headers = new Headers({ 'content-type': 'application/json', ...extraHeaders });
    if (server.sendDate) headers.set('date', new Date(options.now()).toUTCString());
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers });
  }

  function exp(token: string): number {
    return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;
  }

  function accessFrom(headers: Headers): string | undefined {
    if (options.cookies) return cookieJar.get('access');
    return headers.get('authorization')?.replace(/^Bearer /, '');
  }

  function pair(status: number, tokens: { access: string; refresh: string }, order: 'login' | 'refresh'): Response {
    if (options.cookies) {
      cookieJar.set('access', tokens.access);
      cookieJar.set('refresh', tokens.refresh);
      if (options.cookieBody === false) return json(status, {});
    }
    return json(status, order === 'login' ? { refresh: tokens.refresh, access: tokens.access } : tokens);
  }

  function respond(path: string, method: string, headers: Headers, body: unknown): Response {
    const forced = server.failNext.get(path);
    if (forced !== undefined) {
      server.failNext.delete(path);
      if (forced === 429) {
        const seconds = server.retryAfterSeconds;
        const detail = `Request was throttled. Expected available in ${seconds ?? 42} seconds.`;
        return json(429, { detail, code: 'throttled' }, seconds === null ? {} : { 'retry-after': String(seconds) });
      }
      return json(forced, { detail: 'forced', code: forced === 503 ? 'service_unavailable' : 'server_error' });
    }
    const fields = (body ?? {}) as Record<string, string>;
    if (path === '/api/csrf/') {
      options.onCsrfCookie?.('csrf-1');
      return json(200, { csrfToken: 'csrf-1' });
    }
    if (path === '/api/token/') {
      if (fields.password !== 'pw') return json(401, { detail: 'No active account found with the given credentials' });
      return pair(200, server.mint(fields.username), 'login');
    }
    if (path === '/api/token/refresh/') {
      const refresh = options.cookies ? cookieJar.get('refresh') : fields.refresh;
      if (options.cookies && headers.get('x-csrftoken') !== 'csrf-1')
        return json(403, { detail: 'CSRF', code: 'csrf_failed' });
      if (refresh === undefined || !liveRefresh.delete(refresh)) {
        return json(401, { detail: 'Token is blacklisted', code: 'token_not_valid' });
      }
      return pair(200, server.mint(), 'refresh');
    }
    if (path === '/api/token/blacklist/') {
      const refresh = options.cookies ? cookieJar.get('refresh') : fields.refresh;
      if (refresh === undefined || !liveRefresh.delete(refresh)) {
        return json(401, { detail: 'Token is blacklisted', code: 'token_not_valid' });
      }
      return json(200, {});
    }
    const access = accessFrom(headers);
    if (access === undefined || !liveAccess.has(access) || exp(access) * 1000 <= options.now()) {
      return json(401, { detail: 'Given token not valid for any token type', code: 'token_not_valid' });
    }
    if (path === '/api/auth/logout/' || path === '/api/token/revoke-all/') {
      if (method !== 'POST') return json(405, { detail: 'no' });
      liveAccess.delete(access);
      if (fields.refresh) liveRefresh.delete(fields.refresh);
      if (path === '/api/token/revoke-all/') server.revokeAll();
      return path === '/api/auth/logout/'
        ? json(205, undefined)
        : json(200, { message: 'All tokens revoked successfully' });
    }
    if (path === '/api/always-401/') return json(401, { detail: 'User is inactive', code: 'user_inactive' });
    return json(200, { path, method });
  }

  return server;
}

export type FakeServer = ReturnType<typeof createFakeServer>;
