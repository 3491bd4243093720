import { createIndexedDbKeyStore } from './dpop-indexeddb.js';
import type { DpopKeyStore } from './dpop-key.js';
import type { AuthClientError } from './errors.js';
import type { FetchLike } from './http.js';
import { detectPlatform, type Platform } from './platform.js';
import { createMemoryStorage, type TokenStorage } from './storage.js';
import type { TransportKind } from './transport.js';

/** Tab coordination settings; see {@link AuthClientOptions.tabs}. */
export interface TabOptions {
  /** The `BroadcastChannel` name; the storage key by default. */
  channelName?: string;
  /** The Web Lock name; `<storage key>:refresh` by default. */
  lockName?: string;
  /** How long to wait for another tab's refresh before refreshing anyway (default 10 000). */
  lockTimeoutMs?: number;
}

/** The options of {@link createAuthClient}. */
export interface AuthClientOptions {
  /** Where the API is, e.g. `https://api.example.com` or `https://example.com/auth` (a path prefix is kept). */
  baseUrl: string;
  /** Where the session is kept; memory by default. See {@link TokenStorage}. */
  storage?: TokenStorage;
  /** Replaces the global `fetch` (tests, React Native polyfills, instrumented fetches). */
  fetch?: FetchLike;
  /** `bearer` (default) sends `Authorization: Bearer`; `cookie` relies on HttpOnly cookies and keeps no token in JS. */
  transport?: TransportKind;
  /** Refresh this long before the access token expires (default 30; capped at half the token's lifetime). */
  refreshMarginSeconds?: number;
  /** Called once when the server refuses the refresh token: the session is over and the user must log in. */
  onSessionExpired?: (error: AuthClientError) => void;
  /** The storage key of the session (default `tessera.session`). */
  storageKey?: string;
  /** Cookie transport: the readable CSRF cookie (default `csrftoken`). */
  csrfCookieName?: string;
  /** Cookie transport: the header that echoes it on unsafe methods (default `X-CSRFToken`). */
  csrfHeaderName?: string;
  /**
   * Coordinate with other tabs (one refresh at a time, sessions handed over,
   * logout everywhere). On by default when the storage is shared between tabs
   * (localStorage) or the transport is `cookie` (cookies are shared); off otherwise.
   */
  tabs?: boolean | TabOptions;
  /**
   * DPoP (RFC 9449): bind the session to a key of this device, so that its
   * refresh token is useless anywhere else. `true` keeps a non-extractable
   * WebCrypto key in IndexedDB (browsers); elsewhere pass a {@link DpopKeyStore}.
   * Off by default: the key store is a runtime capability the app chooses.
   */
  dpop?: boolean | DpopKeyStore;
  /** Replaces parts of the runtime (clock, timers, BroadcastChannel, locks, window, document), for tests. */
  platform?: Partial<Platform>;
}

/** Options after validation and defaults. */
export interface ResolvedOptions {
  readonly baseUrl: string;
  readonly storage: TokenStorage;
  readonly fetch: FetchLike;
  readonly transport: TransportKind;
  readonly refreshMarginSeconds: number;
  readonly onSessionExpired: ((error: AuthClientError) => void) | undefined;
  readonly storageKey: string;
  readonly csrfCookieName: string;
  readonly csrfHeaderName: string;
  readonly tabs: Required<TabOptions> | null;
  readonly dpop: DpopKeyStore | null;
  readonly platform: Platform;
}

/** Validates `options`, applies defaults and freezes them; misuse is a `TypeError` that says how to fix it. */
export function resolveOptions(options: AuthClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('createAuthClient needs an options object.');
  const { baseUrl } = options;
  if (typeof baseUrl !== 'string' || baseUrl === '') {
    throw new TypeError('baseUrl must be the API origin, e.g. "https://api.example.com".');
  }
  const transport = options.transport ?? 'bearer';
  if (transport !== 'bearer' && transport !== 'cookie') {
    throw new TypeError(`transport must be 'bearer' or 'cookie', not ${JSON.stringify(transport)}.`);
  }
  const refreshMarginSeconds = options.refreshMarginSeconds ?? 30;
  if (
    typeof refreshMarginSeconds !== 'number' ||
    !(refreshMarginSeconds >= 0) ||
    !Number.isFinite(refreshMarginSeconds)
  ) {
    throw new TypeError('refreshMarginSeconds must be a finite number of seconds, 0 or more.');
  }
  const storage = options.storage ?? createMemoryStorage();
  for (const method of ['getItem', 'setItem', 'removeItem'] as const) {
    if (typeof storage[method] !== 'function') throw new TypeError(`storage.${method} must be a function.`);
  }
  const fetchImpl = options.fetch ?? globalFetch();
  const storageKey = options.storageKey ?? 'tessera.session';
  const wantTabs = options.tabs ?? (storage.sharedAcrossTabs === true || transport === 'cookie');
  const tabOptions = typeof wantTabs === 'object' ? wantTabs : {};
  return Object.freeze({
    baseUrl,
    storage,
    fetch: fetchImpl,
    transport,
    refreshMarginSeconds,
    onSessionExpired: options.onSessionExpired,
    storageKey,
    csrfCookieName: options.csrfCookieName ?? 'csrftoken',
    csrfHeaderName: options.csrfHeaderName ?? 'X-CSRFToken',
    tabs:
      wantTabs === false
        ? null
        : Object.freeze({
            channelName: tabOptions.channelName ?? storageKey,
            lockName: tabOptions.lockName ?? `${storageKey}:refresh`,
            lockTimeoutMs: tabOptions.lockTimeoutMs ?? 10_000,
          }),
    dpop: resolveDpop(options.dpop),
    platform: detectPlatform(options.platform),
  });
}

function resolveDpop(dpop: AuthClientOptions['dpop']): DpopKeyStore | null {
  if (dpop === undefined || dpop === false) return null;
  if (dpop === true) return createIndexedDbKeyStore();
  for (const method of ['load', 'loadOrCreate', 'remove'] as const) {
    if (typeof dpop?.[method] !== 'function')
      throw new TypeError(`dpop must be true, false or a DpopKeyStore with ${method}().`);
  }
  return dpop;
}

function globalFetch(): FetchLike {
  if (typeof globalThis.fetch !== 'function') {
    throw new TypeError('There is no global fetch in this runtime: pass options.fetch.');
  }
  // Looked up per call (so a later polyfill is used) and called unbound-safe.
  return (input, init) => globalThis.fetch(input, init);
}
