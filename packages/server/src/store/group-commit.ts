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
 * and jobs submitted while `maxInFlight` transactions run share the next. A
 * commit is most of a refresh's cost on SQLite: every commit appends each
 * page it changed to the WAL, and concurrent refreshes change many of the
 * same pages (the audit log's tail, its indexes, the tokens' tail). SQLite
 * has one writer, so one batch at a time; PostgreSQL commits concurrently,
 * and there a batch per pool connection keeps the connections busy.
 *
 * Every job is answered only after its transaction commits, as it would be
 * alone. A job runs after the jobs before it in its batch and sees their
 * writes, as it would in separate transactions in the same order; batches
 * in flight together are ordered by the database's row locks only. If a
 * batch fails, each of its jobs is run again in a transaction of its own, so
 * that a job that fails can fail only itself.
 */
export function createGroupCommit<Job, Result>(
  run: BatchRunner<Job, Result>,
  maxBatch = 64,
  maxInFlight = 1,
): GroupCommit<Job, Result> {
  const queue: Pending<Job, Result>[] = [];
  let inFlight = 0;
  let scheduled = false;
  const idle: (() => void)[] = [];

  const settle = async (batch: Pending<Job, Result>[]) => {
    try {
      const results = await run(batch.map((p) => p.job));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      else for (const pending of batch) await settle([pending]);
    }
  };

  const busy = () => scheduled || inFlight > 0 || queue.length > 0;

  const pump = () => {
    while (queue.length > 0 && inFlight < maxInFlight) {
      inFlight++;
      void settle(queue.splice(0, maxBatch)).then(() => {
        inFlight--;
        pump();
        if (!busy()) for (const done of idle.splice(0)) done();
      });
    }
  };

  return {
    submit(job) {
      return new Promise<Result>((resolve, reject) => {
        queue.push({ job, resolve, reject });
        if (scheduled) return;
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          pump();
          if (!busy()) for (const done of idle.splice(0)) done();
        });
      });
    },
    async drain() {
      while (busy()) await new Promise<void>((done) => idle.push(done));
    },
  };
}
