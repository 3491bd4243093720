/**
 * Everything the client takes from its runtime, feature-detected so that the
 * same code runs in browsers, React Native and Node 20, and injectable so that
 * tests move time instead of sleeping.
 */

/** `setTimeout`/`clearTimeout`, or a fake that a test drives. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The part of `BroadcastChannel` the client uses. */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/** The part of the Web Locks `LockManager` (`navigator.locks`) the client uses. */
export interface LockManagerLike {
  request<T>(name: string, options: { signal?: AbortSignal }, callback: () => Promise<T>): Promise<T>;
}

/** An event source such as `window` or `document`. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: unknown) => void): void;
  removeEventListener(type: string, listener: (event: unknown) => void): void;
}

/** The part of `document` the client reads. */
export interface DocumentLike extends Partial<EventSourceLike> {
  readonly cookie?: string;
  readonly visibilityState?: string;
}

/** The runtime as the client sees it; see {@link detectPlatform}. */
export interface Platform {
  /** Milliseconds since the epoch on this device's clock. */
  now: () => number;
  /** A number in [0, 1), for jitter. */
  random: () => number;
  timers: Timers;
  /** Opens a `BroadcastChannel`, or null where there is none (React Native, old Safari). */
  createChannel: ((name: string) => BroadcastChannelLike) | null;
  /** `navigator.locks`, or null. */
  locks: LockManagerLike | null;
  /** `window` for `storage` and `online` events, or null. */
  window: EventSourceLike | null;
  /** `document` for `visibilitychange` and the CSRF cookie, or null. */
  document: DocumentLike | null;
}

interface Globals {
  BroadcastChannel?: new (name: string) => BroadcastChannelLike;
  navigator?: { locks?: LockManagerLike };
  window?: Partial<EventSourceLike>;
  document?: DocumentLike;
}

/**
 * The platform of the current runtime, with `overrides` on top.
 *
 * @example
 * ```ts
 * const platform = detectPlatform({ now: () => fakeNow });
 * ```
 */
export function detectPlatform(overrides: Partial<Platform> = {}): Platform {
  const g = globalThis as unknown as Globals;
  const Channel = g.BroadcastChannel;
  const locks = g.navigator?.locks;
  const win = g.window;
  return {
    now: () => Date.now(),
    random: () => Math.random(),
    timers: realTimers,
    createChannel: typeof Channel === 'function' ? (name) => new Channel(name) : null,
    locks: locks && typeof locks.request === 'function' ? locks : null,
    window:
      win && typeof win.addEventListener === 'function' && typeof win.removeEventListener === 'function'
        ? (win as EventSourceLike)
        : null,
    document: typeof g.document === 'object' && g.document !== null ? g.document : null,
    ...overrides,
  };
}

/** The real timers; in Node, a pending refresh does not keep the process alive. */
const realTimers: Timers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms) as unknown as { unref?: () => void };
    if (typeof handle === 'object' && typeof handle.unref === 'function') handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as Parameters<typeof clearTimeout>[0]);
  },
};
