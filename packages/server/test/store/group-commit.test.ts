import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/store/group-commit.js';

/** A runner that doubles numbers, records each batch, and fails any batch holding a negative number. */
function doubling() {
  const batches: number[][] = [];
  const run = (jobs: readonly number[]) => {
    batches.push([...jobs]);
    const bad = jobs.find((job) => job < 0);
    if (bad !== undefined) return Promise.reject(new Error(`cannot take ${bad}`));
    return Promise.resolve(jobs.map((job) => job * 2));
  };
  return { batches, run };
}

describe('createGroupCommit', () => {
  it('runs the jobs submitted in one turn of the event loop as one batch, answering each its own result', async () => {
    const { batches, run } = doubling();
    const commit = createGroupCommit(run);
    expect(await Promise.all([commit.submit(1), commit.submit(2), commit.submit(3)])).toEqual([2, 4, 6]);
    expect(await commit.submit(4)).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('splits a queue longer than the largest batch', async () => {
    const { batches, run } = doubling();
    const commit = createGroupCommit(run, 2);
    expect(await Promise.all([1, 2, 3, 4, 5].map((n) => commit.submit(n)))).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('queues jobs submitted while a batch runs for the next batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const commit = createGroupCommit(async (jobs: readonly number[]) => {
      batches.push([...jobs]);
      if (batches.length === 1) await held;
      return [...jobs];
    });
    const first = commit.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1]]);
    const later = [commit.submit(2), commit.submit(3)];
    release();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('with room for several batches in flight, runs jobs submitted while one batch runs in another at once', async () => {
    const started: number[][] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const commit = createGroupCommit(
      async (jobs: readonly number[]) => {
        started.push([...jobs]);
        if (jobs.includes(1)) await held;
        return [...jobs];
      },
      64,
      2,
    );
    const first = commit.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const second = [commit.submit(2), commit.submit(3)];
    // The second batch settles while the first is still held.
    expect(await Promise.all(second)).toEqual([2, 3]);
    const third = commit.submit(4);
    await new Promise((resolve) => setImmediate(resolve));
    // 1 still holds one slot; 4 takes the other.
    expect(await third).toBe(4);
    expect(started).toEqual([[1], [2, 3], [4]]);
    let drained = false;
    const draining = commit.drain().then(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    release();
    await draining;
    expect(await first).toBe(1);
  });

  it('runs each job of a failed batch alone, so that only the failing job fails', async () => {
    const { batches, run } = doubling();
    const commit = createGroupCommit(run);
    const results = await Promise.allSettled([commit.submit(1), commit.submit(-1), commit.submit(3)]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('cannot take -1') },
      { status: 'fulfilled', value: 6 },
    ]);
    expect(batches).toEqual([[1, -1, 3], [1], [-1], [3]]);
  });

  it('drains: resolves once every submitted job has settled', async () => {
    const { run } = doubling();
    const commit = createGroupCommit(run);
    const settled: number[] = [];
    for (const n of [1, 2]) void commit.submit(n).then((result) => settled.push(result));
    await commit.drain();
    expect(settled).toEqual([2, 4]);
    await commit.drain();
  });
});
