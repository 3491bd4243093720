import { createRequire } from 'node:module';
import { startBackgroundWorker } from '../background-worker.js';

export interface CheckpointerOptions {
  /** The database file (not `:memory:`). */
  path: string;
  /** Pause between checkpoints. */
  intervalMs?: number;
  /** WAL frames (pages) past which a checkpoint also waits for writers, to start the WAL over. */
  restartFrames?: number;
  /** Called if the worker fails: the caller should checkpoint on its own again. */
  onFailure: (error: unknown) => void;
}

export interface Checkpointer {
  stop(): Promise<void>;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 100');
let timer;
const checkpoint = () => {
  try {
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
    // Under steady writes a passive checkpoint never sees the WAL idle, and the WAL grows: restart it.
    if (log > workerData.restartFrames) db.pragma('wal_checkpoint(RESTART)');
  } catch {
    // Another process's checkpoint is running, or the disk is full or failing:
    // try again next time. Dying here would leave the WAL to grow once space is back.
  }
  timer = setTimeout(checkpoint, workerData.intervalMs);
};
parentPort.on('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
checkpoint();
`;

/**
 * Checkpoints a WAL-mode SQLite database from a worker thread. A checkpoint
 * copies the WAL into the database and syncs both files; run by SQLite after
 * a commit, on the request thread, it cost refreshes about a fifth of their
 * throughput. The caller turns SQLite's own checkpoints off
 * (`wal_autocheckpoint=0`) while this runs, and back on if it fails.
 */
export function startCheckpointer({
  path,
  intervalMs = 100,
  restartFrames = 4096,
  onFailure,
}: CheckpointerOptions): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = startBackgroundWorker(WORKER_SOURCE, { path, driver, intervalMs, restartFrames });
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.once('error', (error) => {
    if (!stopping) onFailure(error);
  });
  return {
    async stop() {
      stopping = true;
      worker.postMessage('stop');
      await exited;
    },
  };
}
