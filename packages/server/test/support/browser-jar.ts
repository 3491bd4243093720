/**
 * A browser's cookies for `app.inject`: kept by name and path, expired by the
 * test's clock (Max-Age), and sent only to the paths they were set for, so a
 * test sees exactly the cookies a browser would send.
 */
import type { LightMyRequestResponse } from 'fastify';
import type { ManualClock } from './clock.js';

interface HeldCookie {
  name: string;
  path: string;
  value: string;
  expiresAt: number;
}

export interface BrowserJar {
  /** Keeps (or, with Max-Age=0, drops) the cookies an answer sets. */
  take(response: LightMyRequestResponse): void;
  /** The `Cookie` header a browser sends to `url`: the most specific path first, as browsers order them. */
  cookieFor(url: string): string;
  /** The value held for `name` (at `path`, or at any path). */
  get(name: string, path?: string): string | undefined;
}

const pathMatches = (cookiePath: string, requestPath: string) =>
  requestPath === cookiePath || requestPath.startsWith(cookiePath.endsWith('/') ? cookiePath : `${cookiePath}/`);

export function createBrowserJar(clock: ManualClock): BrowserJar {
  const held = new Map<string, HeldCookie>();
  const live = () => [...held.values()].filter((cookie) => cookie.expiresAt > clock.now());
  return {
    take(response) {
      for (const cookie of response.cookies) {
        const key = `${cookie.name}@${cookie.path ?? '/'}`;
        const maxAge = cookie.maxAge ?? Number.POSITIVE_INFINITY;
        if (maxAge <= 0) held.delete(key);
        else
          held.set(key, {
            name: cookie.name,
            path: cookie.path ?? '/',
            value: cookie.value,
            expiresAt: clock.now() + maxAge * 1000,
          });
      }
    },
    cookieFor(url) {
      const path = url.split('?')[0] ?? url;
      return live()
        .filter((cookie) => pathMatches(cookie.path, path))
        .sort((a, b) => b.path.length - a.path.length)
        .map((cookie) => `${cookie.name}=${cookie.value}`)
        .join('; ');
    },
    get(name, path) {
      return live().find((cookie) => cookie.name === name && (path === undefined || cookie.path === path))?.value;
    },
  };
}
