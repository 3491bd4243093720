import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on `source`, plain JavaScript so that it runs alike
 * from the sources (tests) and from dist. Its heap is kept small: such a
 * thread holds a connection or a native call, not data, and each MiB of heap
 * it may grow is resident memory of the server. It is unreferenced: it never
 * keeps the process alive by itself (`ref()` it while the process must wait
 * for it).
 */
export function startBackgroundWorker(source: string, workerData: unknown): Worker {
  const worker = new Worker(source, {
    eval: true,
    workerData,
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, codeRangeSizeMb: 4 },
  });
  worker.unref();
  return worker;
}
