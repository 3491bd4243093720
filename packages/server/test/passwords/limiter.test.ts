import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/passwords/limiter.js';

/** A task that runs until told to finish, recording when it starts. */
function gate(name: string, started: string[]) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { task: () => (started.push(name), done.then(() => name)), finish };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('createLimiter', () => {
  it('runs at most the limit at once, the rest in arrival order, each handed a freed slot', async () => {
    const limited = createLimiter(2);
    const started: string[] = [];
    const gates = ['a', 'b', 'c', 'd', 'e'].map((name) => gate(name, started));
    const results = gates.map((g) => limited(g.task));
    await turn();
    expect(started).toEqual(['a', 'b']);
    gates[1]!.finish();
    await turn();
    // A newcomer now waits behind c, d and e: the freed slot went to c.
    const late = gate('late', started);
    const lateResult = limited(late.task);
    await turn();
    expect(started).toEqual(['a', 'b', 'c']);
    for (const g of [gates[0]!, gates[2]!, gates[3]!, gates[4]!, late]) {
      g.finish();
      await turn();
    }
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e', 'late']);
    expect(await Promise.all([...results, lateResult])).toEqual(['a', 'b', 'c', 'd', 'e', 'late']);
  });

  it('frees the slot of a task that fails', async () => {
    const limited = createLimiter(1);
    await expect(limited(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limited(() => Promise.resolve('next'))).toBe('next');
  });
});
