import { describe, expect, it } from 'vitest';
import { watchLegacyHashes } from '../../src/passwords/legacy-hashes.js';
import { createPasswordHasher } from '../../src/passwords/password-hasher.js';
import { StoreUnavailableError } from '../../src/store/unavailable.js';
import { fastHasher } from '../support/hasher.js';

describe('the timing floor for Django hashes', () => {
  it('holds every answer to a Django check only while Django hashes are stored', async () => {
    let present = true;
    // 500,000 iterations: a good tenth of a second, against about a millisecond for the fast argon2id.
    const hasher = createPasswordHasher({
      argon2id: fastHasher,
      floorIterations: 500_000,
      legacyHashesPresent: () => present,
    });
    const timed = async () => {
      const started = performance.now();
      expect(await hasher.verifyDummy('anything')).toBe(false);
      return performance.now() - started;
    };
    await timed();
    const withFloor = await timed();
    present = false;
    const withoutFloor = await timed();
    expect(withoutFloor * 4).toBeLessThan(withFloor);
  });

  it('is assumed needed until the store says otherwise, and whenever it cannot say', async () => {
    let answer: () => Promise<boolean> = () => Promise.reject(new StoreUnavailableError({ cause: new Error('down') }));
    const watch = watchLegacyHashes({ hasLegacyPasswordHashes: () => answer() });
    expect(watch.present).toBe(true);
    await watch.start();
    expect(watch.present).toBe(true);
    await watch.stop();
    answer = () => Promise.resolve(false);
    await watch.start();
    expect(watch.present).toBe(false);
    await watch.stop();
  });
});
