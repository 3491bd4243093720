import { describe, expect, it } from 'vitest';
import {
  createRestartPolicy,
  FIRST_RESTART_MS,
  LONGEST_RESTART_MS,
  STABLE_AFTER_MS,
} from '../../src/cluster/restart-policy.js';

const young = { listened: true, upForMs: 1000 };

describe('createRestartPolicy', () => {
  it('gives up when every slot failed before it listened and none serves', () => {
    const policy = createRestartPolicy(2);
    expect(policy.ended(1, { listened: false, upForMs: 300 }, 0)).toBe(FIRST_RESTART_MS);
    expect(policy.ended(2, { listened: false, upForMs: 300 }, 0)).toBe('give up');
  });

  it('keeps replacing a worker that fails at start while another serves', () => {
    const policy = createRestartPolicy(2);
    policy.listened(2);
    expect(policy.ended(1, { listened: false, upForMs: 300 }, 1)).toBe(FIRST_RESTART_MS);
    expect(policy.ended(1, { listened: false, upForMs: 300 }, 1)).toBe(FIRST_RESTART_MS * 2);
  });

  it('does not give up once a slot listened again', () => {
    const policy = createRestartPolicy(2);
    policy.ended(1, { listened: false, upForMs: 300 }, 0);
    policy.listened(1);
    expect(policy.ended(2, { listened: false, upForMs: 300 }, 1)).toBe(FIRST_RESTART_MS);
  });

  it('doubles the wait while a slot keeps dying young, up to the longest, and starts over after a stable run', () => {
    const policy = createRestartPolicy(1);
    const waits = Array.from({ length: 8 }, () => policy.ended(1, young, 0));
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 8000, LONGEST_RESTART_MS, LONGEST_RESTART_MS]);
    expect(policy.ended(1, { listened: true, upForMs: STABLE_AFTER_MS }, 0)).toBe(FIRST_RESTART_MS);
  });

  it('backs off each slot on its own', () => {
    const policy = createRestartPolicy(2);
    expect(policy.ended(1, young, 1)).toBe(250);
    expect(policy.ended(1, young, 1)).toBe(500);
    expect(policy.ended(2, young, 1)).toBe(250);
  });
});
