/**
 * A worker's side of `tessera serve --workers N`: what it tells the primary
 * and what it answers. Only for a process forked by node:cluster (it talks
 * over `process.send`).
 */
import type { WindowCounter, WindowHit } from '../rate-limit/window-counter.js';
import { isMessage, type PrimaryMessage, type WorkerMessage } from './messages.js';

/** How long a counter operation may wait for the primary before the worker's own counters stand in. */
const COUNT_TIMEOUT_MS = 1000;

/** Each member of a union without its `id`. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export interface WorkerLink {
  /**
   * Tells the primary the server listens. `announce` runs once the primary
   * chooses this worker to print the start-up banner (the first worker up,
   * once every worker is up; never a restarted one).
   */
  listening(announce: () => void): void;
  /** Answers the primary's scrapes of `/metrics` with this worker's metrics. */
  serveMetrics(render: () => Promise<string>): void;
  /** Rate-limit counters held by the primary, so that a limit holds across workers, not per worker. */
  readonly counter: WindowCounter;
  /** Stops listening to the primary (the app closed). */
  close(): void;
}

/**
 * @example
 * ```ts
 * const link = connectToPrimary();
 * const app = await buildApp({ config, secretKey, store, rateLimitCounter: link.counter });
 * await app.listen({ port: config.port, host: config.host });
 * link.listening(() => printBanner());
 * ```
 */
export function connectToPrimary(): WorkerLink {
  const send = (message: WorkerMessage) => process.send?.(message);
  const waiting = new Map<number, { resolve: (hit: WindowHit | undefined) => void; timer: NodeJS.Timeout }>();
  let nextId = 1;
  let announce: (() => void) | undefined;
  let render: (() => Promise<string>) | undefined;

  const onMessage = (message: unknown) => {
    const typed = message as PrimaryMessage;
    if (isMessage<PrimaryMessage, 'counted'>(typed, 'counted')) {
      const pending = waiting.get(typed.id);
      waiting.delete(typed.id);
      clearTimeout(pending?.timer);
      pending?.resolve(typed.hit);
    } else if (isMessage<PrimaryMessage, 'announce'>(typed, 'announce')) {
      announce?.();
    } else if (isMessage<PrimaryMessage, 'metrics'>(typed, 'metrics') && render !== undefined) {
      const { id } = typed;
      render().then(
        (text) => send({ tessera: 'metrics', id, text }),
        // Said as an empty answer: the primary serves the other workers' metrics.
        () => send({ tessera: 'metrics', id, text: '' }),
      );
    }
  };
  process.on('message', onMessage);

  const ask = (message: WithoutId<Extract<WorkerMessage, { tessera: 'count' }>>): Promise<WindowHit | undefined> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the cluster primary did not answer within ${COUNT_TIMEOUT_MS} ms`));
      }, COUNT_TIMEOUT_MS);
      timer.unref();
      waiting.set(id, { resolve, timer });
      send({ ...message, id });
    });

  return {
    listening(onAnnounce) {
      announce = onAnnounce;
      send({ tessera: 'listening' });
    },
    serveMetrics(onScrape) {
      render = onScrape;
    },
    counter: {
      async hit(key, windowMs) {
        const hit = await ask({ tessera: 'count', op: 'hit', key, windowMs });
        if (hit === undefined) throw new Error('the cluster primary answered a hit without a count');
        return hit;
      },
      async refund(key) {
        await ask({ tessera: 'count', op: 'refund', key });
      },
    },
    close() {
      process.off('message', onMessage);
    },
  };
}
