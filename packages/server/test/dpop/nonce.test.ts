import { describe, expect, it } from 'vitest';
import { DPOP_NONCE_STEP_SECONDS, createDpopNonces } from '../../src/dpop/nonce.js';
import { createManualClock } from '../support/clock.js';

const SECRET = 'a-secret-key-that-is-long-enough-for-tests';

describe('DPoP server nonces', () => {
  it('are the same on every instance with the secret, and differ with another secret', () => {
    const clock = createManualClock();
    expect(createDpopNonces(SECRET, clock).current()).toBe(createDpopNonces(SECRET, clock).current());
    expect(createDpopNonces(`${SECRET}!`, clock).current()).not.toBe(createDpopNonces(SECRET, clock).current());
  });

  it('accept the current and the previous step only', () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const nonces = createDpopNonces(SECRET, clock);
    const first = nonces.current();
    clock.advance(DPOP_NONCE_STEP_SECONDS - 1);
    expect([nonces.current(), nonces.accepts(first)]).toEqual([first, true]);
    clock.advance(1);
    expect([nonces.current() === first, nonces.accepts(first)]).toEqual([false, true]);
    clock.advance(DPOP_NONCE_STEP_SECONDS);
    expect(nonces.accepts(first)).toBe(false);
  });

  it.each(['', 'x', 'A'.repeat(32), 'A'.repeat(10_000)])('refuse %j', (nonce) => {
    expect(createDpopNonces(SECRET, createManualClock()).accepts(nonce)).toBe(false);
  });
});
