import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import { startBackgroundWorker } from '../background-worker.js';

/** argon2 calls run on a thread of their own; at most `size` at once, which the caller ensures. */
export interface HashThreads {
  hash(password: string, options: object): Promise<string>;
  verify(encoded: string, password: string): Promise<boolean>;
  /** Threads alive now, busy or idle. */
  readonly alive: number;
}

/** Runs `task` after `ms`, without keeping the process alive for it; answers a function that cancels it. */
export type ScheduleIdleEnd = (task: () => void, ms: number) => () => void;

export interface HashThreadsOptions {
  /** How long a thread may sit idle before it ends (1 s). */
  idleMs?: number;
  /** Tests pass their own, to move time instead of waiting. */
  schedule?: ScheduleIdleEnd;
}

const scheduleWithTimer: ScheduleIdleEnd = (task, ms) => {
  const timer = setTimeout(task, ms).unref();
  return () => clearTimeout(timer);
};

/** The nice value of the hashing threads: the lowest priority there is. */
export const HASH_THREAD_NICE = 19;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { setPriority } = require('node:os');
const argon2 = require(workerData.argon2);
// On Linux a nice value belongs to a thread; 0 names the calling one.
try { setPriority(0, workerData.nice); } catch {}
parentPort.on('message', ({ op, args }) => {
  try {
    const value = op === 'hash' ? argon2.hashSync(...args) : argon2.verifySync(...args);
    parentPort.postMessage({ ok: true, value });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message) });
  }
});
`;

type Reply = { ok: true; value: unknown } | { ok: false; message: string };

/** A hashing thread failed or died: the server's fault, never a verdict on a password. */
export class HashThreadError extends Error {
  override name = 'HashThreadError';
}

/**
 * Threads that run argon2id at the lowest CPU priority. A hash is 15–30 ms of
 * CPU; while logins keep every core hashing, threads of equal priority would
 * make the event loop wait its turn for a core, and every other request with
 * it. At nice 19 the hashes get the CPU the event loop leaves, so a login
 * storm slows logins, not the API.
 *
 * A thread starts on first use and ends after `idleMs` without work: each is a
 * V8 isolate of about 8 MB, which a server between logins need not hold.
 * Starting one costs tens of milliseconds of CPU, so within a burst of logins
 * the threads are kept, and only a lone login after a quiet spell pays it.
 */
export function createHashThreads(
  size: number,
  { idleMs = 1000, schedule = scheduleWithTimer }: HashThreadsOptions = {},
): HashThreads {
  const argon2 = createRequire(import.meta.url).resolve('@node-rs/argon2');
  /** Idle threads, each with the function that takes it back to work. */
  const idle: { worker: Worker; release: () => void }[] = [];
  let started = 0;

  const spawn = () => {
    started++;
    // The 19 MiB of a hash are argon2's, outside the JavaScript heap.
    return startBackgroundWorker(WORKER_SOURCE, { argon2, nice: HASH_THREAD_NICE });
  };

  const takeIdle = (): Worker | undefined => {
    const entry = idle.pop();
    entry?.release();
    return entry?.worker;
  };

  const keepIdle = (worker: Worker) => {
    const entry = { worker, release: () => {} };
    const forget = () => {
      idle.splice(idle.indexOf(entry), 1);
      started--;
    };
    // A thread that dies while idle is forgotten, not handed the next call.
    const onExit = () => {
      cancelEnd();
      forget();
    };
    const cancelEnd = schedule(() => {
      worker.off('exit', onExit);
      forget();
      void worker.terminate();
    }, idleMs);
    worker.once('exit', onExit);
    entry.release = () => {
      cancelEnd();
      worker.off('exit', onExit);
    };
    idle.push(entry);
  };

  const run = (op: 'hash' | 'verify', args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (idle.length === 0 && started >= size) {
        reject(new HashThreadError(`more than ${size} calls at once`));
        return;
      }
      const worker = takeIdle() ?? spawn();
      const settle = (finish: () => void, keep: boolean) => {
        worker.off('message', onMessage).off('error', onFailure).off('exit', onFailure);
        worker.unref();
        if (keep) keepIdle(worker);
        else started--;
        finish();
      };
      const onMessage = (reply: Reply) =>
        settle(() => (reply.ok ? resolve(reply.value) : reject(new Error(reply.message))), true);
      const onFailure = (error: unknown) =>
        settle(
          () => reject(new HashThreadError(error instanceof Error ? error.message : `exited with ${String(error)}`)),
          false,
        );
      // Referenced while it works, so that a command waiting for a hash does not exit.
      worker.ref();
      worker.on('message', onMessage).once('error', onFailure).once('exit', onFailure);
      worker.postMessage({ op, args });
    });

  return {
    hash: (password, options) => run('hash', [password, options]) as Promise<string>,
    verify: (encoded, password) => run('verify', [encoded, password]) as Promise<boolean>,
    get alive() {
      return started;
    },
  };
}
