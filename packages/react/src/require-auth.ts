import { useEffect, type ReactNode } from 'react';
import { useAuth } from './use-auth.js';

export interface RequireAuthProps {
  children?: ReactNode;
  /** Where to send a visitor without a session (default `/login`); `?next=` is added. */
  loginPath?: string;
  /** Where the visitor was going (default: the current location's path, query and hash). */
  currentPath?: string;
  /** How to go to the login page: your router's `navigate(to, { replace: true })`; default `location.replace`. */
  navigate?: (to: string) => void;
  /** Shown while the client reads its stored session (`loading`), and while redirecting (default: nothing). */
  fallback?: ReactNode;
}

/**
 * Renders `children` only with a session; otherwise sends the visitor to
 * `loginPath?next=<where they were going>`. Read `next` back with
 * {@link returnPathFrom}. While async storage is read (`loading`) it renders
 * `fallback`: neither the page, which would fire its requests without
 * credentials, nor a redirect. A session that is being refreshed, offline or
 * throttled still counts: the page stays, and only a session the server
 * refused logs out.
 *
 * @example
 * ```tsx
 * const navigate = useNavigate();
 * const location = useLocation();
 * <RequireAuth currentPath={location.pathname + location.search} navigate={(to) => navigate(to, { replace: true })}>
 *   <Home />
 * </RequireAuth>
 * ```
 */
export function RequireAuth({
  children,
  loginPath = '/login',
  currentPath,
  navigate,
  fallback = null,
}: RequireAuthProps): ReactNode {
  const { status } = useAuth();
  const out = status === 'unauthenticated';
  useEffect(() => {
    if (!out) return;
    const here = browserLocation();
    const from = currentPath ?? `${here.pathname}${here.search}${here.hash}`;
    const to = `${loginPath}?next=${encodeURIComponent(from)}`;
    if (navigate) navigate(to);
    else here.replace(to);
  }, [out, currentPath, loginPath, navigate]);
  return out || status === 'loading' ? fallback : children;
}

/** The page's `location` (typed here: this package does not assume the DOM library). */
function browserLocation(): { pathname: string; search: string; hash: string; replace(url: string): void } {
  return (globalThis as unknown as { location: ReturnType<typeof browserLocation> }).location;
}

/**
 * The `next` of a login URL's query, if it is a path on this site; otherwise
 * `fallback`. Rejects `//evil.example` and absolute URLs, so a crafted link
 * cannot send the user elsewhere after logging in.
 *
 * @example
 * ```ts
 * returnPathFrom('?next=%2Fsessions'); // '/sessions'
 * returnPathFrom('?next=https%3A%2F%2Fevil.example'); // '/'
 * ```
 */
export function returnPathFrom(search: string, fallback = '/'): string {
  const next = new URLSearchParams(search).get('next');
  if (next === null || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  return next;
}
