import type { Clock } from '../../src/clock.js';

/** A clock that only moves when told to. */
export interface ManualClock extends Clock {
  advance(seconds: number): void;
  set(ms: number): void;
}

export function createManualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let now = startMs;
  return {
    now: () => now,
    advance(seconds) {
      now += seconds * 1000;
    },
    set(ms) {
      now = ms;
    },
  };
}
