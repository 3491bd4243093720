import type { Clock } from '../../src/index.js';
import { T0 } from './stand-in.js';

/** A clock that only moves when told to. */
export interface ManualClock extends Clock {
  /** Moves time by `seconds` (back when negative). */
  advance(seconds: number): void;
}

export function manualClock(startMs = T0): ManualClock {
  let now = startMs;
  return {
    now: () => now,
    advance(seconds) {
      now += seconds * 1000;
    },
  };
}

/**
 * Polls `probe` until it is true; fails past `ms`. For waiting on the
 * network (a stream to open, an event to arrive), never on time itself.
 */
export async function eventually(probe: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`not within ${ms} ms`);
}
