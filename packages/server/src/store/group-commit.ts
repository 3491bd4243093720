/** Runs jobs in one transaction and answers one result per job, in order. */
export type BatchRunner<Job, Result> = (jobs: readonly Job[]) => Promise<Result[]>;

export interface GroupCommit<Job, Result> {
  /** Answers once the transaction holding the job has committed. */
  submit(job: Job): Promise<Result>;
  /** Resolves when every job submitted so far has settled. */
  drain(): Promise<void>;
}

interface Pending<Job, Result> {
  job: Job;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: jobs submitted while the event loop handles one round of
 * sockets share a transaction, run right after that round (`setImmediate`),
 * and jobs submitted while a transaction runs share the next. A commit is
 * most of a refresh's cost on SQLite: every commit appends each page it
 * changed to the WAL, and concurrent refreshes change many of the same pages
 * (the audit log's tail, its indexes, the tokens' tail).
 *
 * Every job is answered only after its transaction commits, as it would be
 * alone. A job runs after the jobs before it in its batch and sees their
 * writes, as it would in separate transactions in the same order. If a batch
 * fails, each of its jobs is run again in a transaction of its own, so that a
 * job that fails can fail only itself.
 */
export function createGroupCommit<Job, Result>(run: BatchRunner<Job, Result>, maxBatch = 64): GroupCommit<Job, Result> {
  const queue: Pending<Job, Result>[] = [];
  let flushing: Promise<void> | undefined;

  const settle = async (batch: Pending<Job, Result>[]) => {
    try {
      const results = await run(batch.map((p) => p.job));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      else for (const pending of batch) await settle([pending]);
    }
  };

  const flush = async () => {
    while (queue.length > 0) {
      await settle(queue.splice(0, maxBatch));
    }
    flushing = undefined;
  };

  return {
    submit(job) {
      return new Promise<Result>((resolve, reject) => {
        queue.push({ job, resolve, reject });
        flushing ??= new Promise<void>((done) => setImmediate(() => void flush().then(done)));
      });
    },
    async drain() {
      while (flushing !== undefined) await flushing;
    },
  };
}
