// Two "tabs" in one process: a shared Storage-like area that dispatches
// `storage` events to the other tabs' windows, and an exclusive lock manager
// with AbortSignal support, as navigator.locks behaves.
import type { EventSourceLike, LockManagerLike, WebStorageLike } from '../../src/index.js';

export interface FakeWindow extends EventSourceLike {
  dispatch(type: string, event: unknown): void;
}

export function createFakeWindow(): FakeWindow {
  const listeners = new Map<string, Set<(event: unknown) => void>>();
  return {
    addEventListener(type, listener) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type)!.add(listener);
    },
    removeEventListener(type, listener) {
      listeners.get(type)?.delete(listener);
    },
    dispatch(type, event) {
      for (const listener of [...(listeners.get(type) ?? [])]) listener(event);
    },
  };
}

/** localStorage shared by `windows`: a write in one tab is a `storage` event in the others. */
export function createSharedArea(windows: FakeWindow[]) {
  const items = new Map<string, string>();
  const area = {
    getItem: (key: string) => items.get(key) ?? null,
    setItem(key: string, value: string, from?: FakeWindow) {
      const old = items.get(key) ?? null;
      items.set(key, value);
      if (old !== value) notify(key, old, value, from);
    },
    removeItem(key: string, from?: FakeWindow) {
      const old = items.get(key) ?? null;
      items.delete(key);
      if (old !== null) notify(key, old, null, from);
    },
  };
  const views = new Map<FakeWindow, WebStorageLike>();
  function notify(key: string, oldValue: string | null, newValue: string | null, from?: FakeWindow) {
    for (const win of windows) {
      if (win !== from) win.dispatch('storage', { key, oldValue, newValue, storageArea: views.get(win) });
    }
  }
  /** `localStorage` as one tab sees it: its own writes are not events in itself. */
  const viewFrom = (win: FakeWindow): WebStorageLike => {
    const view: WebStorageLike = {
      getItem: area.getItem,
      setItem: (key, value) => area.setItem(key, value, win),
      removeItem: (key) => area.removeItem(key, win),
    };
    views.set(win, view);
    return view;
  };
  return { area, viewFrom };
}

/** An exclusive lock manager; `acquisitions` counts granted locks. */
export function createFakeLocks(): LockManagerLike & { acquisitions: number } {
  const queues = new Map<string, Promise<void>>();
  const locks = {
    acquisitions: 0,
    async request<T>(name: string, options: { signal?: AbortSignal }, callback: () => Promise<T>): Promise<T> {
      const previous = queues.get(name) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      queues.set(
        name,
        previous.then(() => mine),
      );
      try {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => reject(new DOMException('aborted', 'AbortError'));
          if (options.signal?.aborted) return onAbort();
          options.signal?.addEventListener('abort', onAbort, { once: true });
          void previous.then(() => {
            options.signal?.removeEventListener('abort', onAbort);
            resolve();
          });
        });
      } catch (error) {
        release();
        throw error;
      }
      locks.acquisitions += 1;
      try {
        return await callback();
      } finally {
        release();
      }
    },
  };
  return locks;
}
