import { describe, expect, it } from 'vitest';
import { createRefreshCoordinator } from '../src/refresh-coordinator.js';

function rig() {
  let stamp: string | null = 'a';
  let runs = 0;
  let finish!: (ok: boolean) => void;
  const coordinator = createRefreshCoordinator({
    currentStamp: () => stamp,
    perform: () => {
      runs += 1;
      return new Promise<string>((resolve, reject) => {
        finish = (ok) => {
          if (ok) stamp = `${stamp}'`;
          return ok ? resolve(stamp!) : reject(new Error('refused'));
        };
      });
    },
  });
  return {
    coordinator,
    runs: () => runs,
    finish: (ok: boolean) => finish(ok),
    setStamp: (s: string | null) => (stamp = s),
  };
}

describe('createRefreshCoordinator', () => {
  it('runs one refresh for any number of callers', async () => {
    const r = rig();
    const all = Promise.all([r.coordinator.refresh(), r.coordinator.refresh(), r.coordinator.recover('a')]);
    r.finish(true);
    expect(await all).toEqual(["a'", "a'", true]);
    expect(r.runs()).toBe(1);
    expect(r.coordinator.inFlight).toBeNull();
  });

  it('recover: a request sent with older credentials is retried without a refresh', async () => {
    const r = rig();
    r.setStamp('b');
    expect(await r.coordinator.recover('a')).toBe(true);
    expect(r.runs()).toBe(0);
  });

  it('recover: false without a session or when the refresh fails', async () => {
    const r = rig();
    const failed = r.coordinator.recover('a');
    r.finish(false);
    expect(await failed).toBe(false);
    r.setStamp(null);
    expect(await r.coordinator.recover('a')).toBe(false);
  });
});
