import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { within } from '../support/eventually.js';
import { ARGON2ID_PARAMETERS } from '../../src/passwords/argon2.js';
import {
  HASH_THREAD_NICE,
  HashThreadError,
  createHashThreads,
  type ScheduleIdleEnd,
} from '../../src/passwords/hash-threads.js';

/** The nice value of each of this process's threads (Linux: field 19 of /proc/…/stat). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

/** A schedule run by hand: `elapse(ms)` runs the tasks that have come due. */
function manualSchedule() {
  let now = 0;
  const tasks = new Set<{ at: number; task: () => void }>();
  const schedule: ScheduleIdleEnd = (task, ms) => {
    const entry = { at: now + ms, task };
    tasks.add(entry);
    return () => tasks.delete(entry);
  };
  const elapse = (ms: number) => {
    now += ms;
    for (const entry of [...tasks]) {
      if (entry.at > now) continue;
      tasks.delete(entry);
      entry.task();
    }
  };
  return { schedule, elapse };
}

describe('createHashThreads', () => {
  // First in the file, with threads that end only when told. Test files share
  // a worker, so an earlier file's idle hash threads may still be ending: wait
  // until they have, so that only these threads are counted.
  it.runIf(process.platform === 'linux')('runs the hashes on threads at the lowest priority', async () => {
    await within(5000, () => Promise.resolve(!threadNiceValues().includes(HASH_THREAD_NICE)));
    const threads = createHashThreads(2, { schedule: manualSchedule().schedule });
    const encoded = await threads.hash('pw', ARGON2ID_PARAMETERS);
    await Promise.all([threads.verify(encoded, 'pw'), threads.verify(encoded, 'pw')]);
    expect(HASH_THREAD_NICE).toBe(19);
    expect(threads.alive).toBe(2);
    expect(threadNiceValues().filter((nice) => nice === HASH_THREAD_NICE).length).toBe(2);
  });

  it('hashes and verifies with argon2id', async () => {
    const threads = createHashThreads(1);
    const encoded = await threads.hash('correct horse', ARGON2ID_PARAMETERS);
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await threads.verify(encoded, 'correct horse')).toBe(true);
    expect(await threads.verify(encoded, 'wrong horse')).toBe(false);
  });

  it("rejects with the library's message on a damaged hash, and keeps working", async () => {
    const threads = createHashThreads(1);
    const damaged = threads.verify('$argon2id$v=19$garbage', 'pw');
    await expect(damaged).rejects.toThrow(Error);
    await expect(damaged).rejects.not.toBeInstanceOf(HashThreadError);
    const encoded = await threads.hash('pw', ARGON2ID_PARAMETERS);
    expect(await threads.verify(encoded, 'pw')).toBe(true);
  });

  it('refuses more calls at once than it has threads: its caller limits them', async () => {
    const threads = createHashThreads(1);
    const first = threads.hash('pw', ARGON2ID_PARAMETERS);
    const extra = threads.hash('pw', ARGON2ID_PARAMETERS);
    await expect(extra).rejects.toBeInstanceOf(HashThreadError);
    await expect(extra).rejects.toThrow('more than 1 calls at once');
    expect(await first).toMatch(/^\$argon2id\$/);
  });

  it('ends a thread idle for idleMs, counting from its last call, and starts one for the next call', async () => {
    const time = manualSchedule();
    const threads = createHashThreads(2, { idleMs: 1000, schedule: time.schedule });
    expect(threads.alive).toBe(0);
    const encoded = await threads.hash('pw', ARGON2ID_PARAMETERS);
    expect(threads.alive).toBe(1);
    time.elapse(999);
    expect(await threads.verify(encoded, 'pw')).toBe(true);
    time.elapse(999);
    expect(threads.alive).toBe(1);
    time.elapse(1);
    expect(threads.alive).toBe(0);
    expect(await threads.verify(encoded, 'pw')).toBe(true);
    expect(threads.alive).toBe(1);
  });

  it('ends every idle thread, each on its own time', async () => {
    const time = manualSchedule();
    const threads = createHashThreads(2, { idleMs: 1000, schedule: time.schedule });
    const encoded = await threads.hash('pw', ARGON2ID_PARAMETERS);
    await Promise.all([threads.verify(encoded, 'pw'), threads.verify(encoded, 'pw')]);
    expect(threads.alive).toBe(2);
    time.elapse(1000);
    expect(threads.alive).toBe(0);
    await expect(Promise.all([threads.verify(encoded, 'pw'), threads.verify(encoded, 'wrong')])).resolves.toEqual([
      true,
      false,
    ]);
    expect(threads.alive).toBe(2);
  });
});
