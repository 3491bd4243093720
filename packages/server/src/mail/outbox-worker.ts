import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { MailRecord, Store } from '../store/types.js';
import type { OutgoingMail } from './layout.js';
import type { MailTransport } from './transport.js';

/** The messages one outbox entry stands for; none when there is nothing to send (it is then `dropped`). */
export type ComposeMail = (mail: MailRecord) => Promise<OutgoingMail[]>;

/** Sends the outbox: every instance runs one; the store's claims keep them from sending a message twice. */
export interface OutboxWorker {
  /** Starts polling. */
  start(): void;
  /**
   * Stops polling and waits for the message being sent; the pass sends no
   * more, and what it had claimed is due again at once (for the next start,
   * or another instance).
   */
  stop(): Promise<void>;
  /** Asks for a pass soon (a request just committed a message), without waiting for it. */
  kick(): void;
  /** Runs a pass now, after the one under way; resolves with how many entries it settled or put off. */
  deliverDue(): Promise<number>;
}

export interface OutboxWorkerOptions {
  store: Pick<Store, 'claimDueMail' | 'finishMail' | 'retryMail'>;
  transport: MailTransport;
  clock: Clock;
  compose: ComposeMail;
  log: FastifyBaseLogger;
  /** The longest one entry's sending may take: its claim lasts this long, then another instance may retry it. */
  leaseMs: number;
  /** How often to look for due mail besides the kicks (mail retried later, or committed by another instance). */
  pollMs?: number;
}

/** Entries claimed at a time. */
const BATCH = 10;
/** Attempts before an entry is `failed`: with the backoff below, about 8 hours of trying. */
export const MAX_MAIL_ATTEMPTS = 12;
const FIRST_RETRY_MS = 15_000;
const LONGEST_RETRY_MS = 3_600_000;

/** The wait after the `attempts`-th failed attempt: doubling from 15 s, at most an hour. */
export function mailRetryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), LONGEST_RETRY_MS);
}

/**
 * @example
 * ```ts
 * const worker = createOutboxWorker({ store, transport, clock, compose, log, leaseMs: 150_000 });
 * worker.start();
 * await worker.stop();
 * ```
 */
export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { store, transport, clock, compose, log, leaseMs, pollMs = 1000 } = options;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let running: Promise<number> = Promise.resolve(0);
  /** A pass waiting for the one under way: later calls join it rather than queue more. */
  let queued: Promise<number> | undefined;
  // A send that outlived its claim could be sent again by another instance: give up well before.
  const sendTimeoutMs = Math.floor(leaseMs * 0.8);

  const sendOne = async (entry: MailRecord): Promise<void> => {
    try {
      const messages = await withTimeout(compose(entry), sendTimeoutMs);
      for (const message of messages) await withTimeout(transport.send(message), sendTimeoutMs);
      await store.finishMail(entry.id, messages.length === 0 ? 'dropped' : 'sent', clock.now());
      if (messages.length > 0) log.info({ mail_id: entry.id, kind: entry.kind }, 'mail sent');
    } catch (error) {
      const giveUp = entry.attempts >= MAX_MAIL_ATTEMPTS;
      const nextAttemptAt = clock.now() + mailRetryDelayMs(entry.attempts);
      const reason = error instanceof Error ? error.message : String(error);
      log.warn(
        { mail_id: entry.id, kind: entry.kind, attempts: entry.attempts, err: error },
        giveUp ? 'mail failed for good; see `tessera outbox`' : `mail not sent (${reason}); will retry`,
      );
      await store.retryMail(entry.id, reason, nextAttemptAt, giveUp);
    }
  };

  const pass = async (): Promise<number> => {
    let settled = 0;
    for (;;) {
      if (stopping) return settled;
      const claimed = await store.claimDueMail(clock.now(), leaseMs, BATCH);
      for (const [index, entry] of claimed.entries()) {
        if (stopping) {
          await releaseUnsent(claimed.slice(index));
          return settled + index;
        }
        await sendOne(entry);
      }
      settled += claimed.length;
      if (claimed.length < BATCH) return settled;
    }
  };

  const releaseUnsent = async (entries: readonly MailRecord[]) => {
    for (const entry of entries) await store.retryMail(entry.id, 'not sent: tessera stopped', clock.now(), false);
  };

  const deliverDue = (): Promise<number> => {
    if (queued !== undefined) return queued;
    const next = running
      .catch(() => 0)
      .then(() => {
        queued = undefined;
        return pass();
      });
    queued = next;
    running = next;
    return next;
  };
  const runQuietly = () =>
    void deliverDue().catch((error: unknown) => log.warn({ err: error }, 'mail outbox pass failed; will retry'));

  return {
    start() {
      stopping = false;
      timer ??= setInterval(runQuietly, pollMs);
      timer.unref();
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      timer = undefined;
      await running.catch(() => undefined);
    },
    kick: () => {
      if (!stopping) setImmediate(runQuietly);
    },
    deliverDue,
  };
}

/** `work`, or a rejection once `ms` have passed: a send must end before its claim lapses. */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
