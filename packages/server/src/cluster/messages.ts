/**
 * What the primary of `tessera serve --workers N` and its workers say to each
 * other over the cluster's IPC channel. Every message carries `tessera`, so
 * that anything else on the channel (Node's own cluster messages are
 * internal, but a host could send its own) is ignored.
 */
import type { WindowHit } from '../rate-limit/window-counter.js';

/** Worker → primary. */
export type WorkerMessage =
  /** The worker's server is listening: the primary counts it as up. */
  | { tessera: 'listening' }
  /** A rate-limit counter operation, answered with `counted` and the same `id`. */
  | { tessera: 'count'; id: number; op: 'hit'; key: string; windowMs: number }
  | { tessera: 'count'; id: number; op: 'refund'; key: string }
  /** The answer to `metrics`: this worker's metrics in Prometheus' text format. */
  | { tessera: 'metrics'; id: number; text: string };

/** Primary → worker. */
export type PrimaryMessage =
  /** Every worker is up: this one prints the start-up banner (one worker only, once). */
  | { tessera: 'announce' }
  | { tessera: 'counted'; id: number; hit?: WindowHit }
  /** Asks for the worker's metrics, answered with `metrics` and the same `id`. */
  | { tessera: 'metrics'; id: number };

/** Whether `message` is one of ours of `kind` (anything can arrive on the channel). */
export function isMessage<M extends { tessera: string }, K extends M['tessera']>(
  message: unknown,
  kind: K,
): message is Extract<M, { tessera: K }> {
  return typeof message === 'object' && message !== null && (message as { tessera?: unknown }).tessera === kind;
}
