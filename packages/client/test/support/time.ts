// A clock and timers that move only when the test says so.
import type { Timers } from '../../src/index.js';

export interface ManualTime {
  now: () => number;
  timers: Timers;
  /** Moves the clock by `ms`, running each timer that falls due, in order. */
  advance(ms: number): void;
  /** Due times of pending timers, from now, in ms. */
  pending(): number[];
  /** Forgets every pending timer, as a throttled background tab or a suspended app would. */
  drop(): void;
}

export function createManualTime(startMs = Date.UTC(2026, 0, 1)): ManualTime {
  let now = startMs;
  let nextId = 1;
  const timers = new Map<number, { at: number; run: () => void }>();
  return {
    now: () => now,
    timers: {
      setTimeout(callback, ms) {
        const id = nextId++;
        timers.set(id, { at: now + Math.max(0, ms), run: callback });
        return id;
      },
      clearTimeout(handle) {
        timers.delete(handle as number);
      },
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].run();
      }
      now = target;
    },
    drop: () => timers.clear(),
    pending: () => [...timers.values()].map((t) => t.at - now).sort((a, b) => a - b),
  };
}

/** Lets queued callbacks run: a few turns of the event loop, no wall-clock time involved. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
