/**
 * Where the client keeps the session between page loads or app launches. The
 * methods may return values or promises, so Web Storage fits as is and native
 * secure storage (Keychain/Keystore) fits through a three-line adapter. The
 * whole session is one value under one key, so a write is never half done.
 *
 * @example
 * ```ts
 * import * as SecureStore from 'expo-secure-store';
 * const storage: TokenStorage = {
 *   getItem: (key) => SecureStore.getItemAsync(key),
 *   setItem: (key, value) => SecureStore.setItemAsync(key, value),
 *   removeItem: (key) => SecureStore.deleteItemAsync(key),
 * };
 * ```
 */
export interface TokenStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
  /**
   * True when other tabs read and write the same data (localStorage). The
   * client then coordinates refreshes with them by default.
   */
  readonly sharedAcrossTabs?: boolean;
  /** The Web Storage area behind this adapter, to recognise its `storage` events. */
  readonly webStorage?: WebStorageLike;
}

/** The part of the Web Storage API (`localStorage`, `sessionStorage`) the client uses. */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Storage in this JavaScript context only: gone on reload. The default, and
 * the safest place for tokens in a browser.
 *
 * @example
 * ```ts
 * const auth = createAuthClient({ baseUrl, storage: createMemoryStorage() });
 * ```
 */
export function createMemoryStorage(): TokenStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

/**
 * `localStorage`: survives reloads and is shared by the origin's tabs, which
 * then coordinate refreshes and logout. Readable by any script on the page.
 *
 * @param area another `Storage`-like object, e.g. in tests; `globalThis.localStorage` by default.
 * @example
 * ```ts
 * const auth = createAuthClient({ baseUrl, storage: createLocalStorage() });
 * ```
 */
export function createLocalStorage(area?: WebStorageLike): TokenStorage {
  return webStorageAdapter(area ?? globalArea('localStorage'), true);
}

/**
 * `sessionStorage`: survives reloads of this tab only; each tab is its own session.
 *
 * @example
 * ```ts
 * const auth = createAuthClient({ baseUrl, storage: createSessionStorage() });
 * ```
 */
export function createSessionStorage(area?: WebStorageLike): TokenStorage {
  return webStorageAdapter(area ?? globalArea('sessionStorage'), false);
}

function webStorageAdapter(area: WebStorageLike, sharedAcrossTabs: boolean): TokenStorage {
  return {
    getItem: (key) => area.getItem(key),
    setItem: (key, value) => area.setItem(key, value),
    removeItem: (key) => area.removeItem(key),
    sharedAcrossTabs,
    webStorage: area,
  };
}

function globalArea(name: 'localStorage' | 'sessionStorage'): WebStorageLike {
  let area: unknown;
  try {
    area = (globalThis as Record<string, unknown>)[name];
  } catch {
    // Reading localStorage throws where storage is disabled (Safari private mode, sandboxed iframes).
  }
  if (typeof area !== 'object' || area === null) {
    throw new TypeError(`${name} is not available in this runtime; use createMemoryStorage() or an async adapter.`);
  }
  return area as WebStorageLike;
}
