/**
 * The revocation feed client: tessera's server-sent events over `fetch`,
 * with HTTP Basic as the service account, resumed by cursor.
 *
 * - On `ready` the stream is live: its `id` is the cursor, and `reset`
 *   (events were missed) is passed on. Each `revocation` advances the cursor.
 * - When the stream ends, fails, or is silent past the idle timeout (tessera
 *   sends a heartbeat every 15 s), it reconnects after a backoff with jitter
 *   that starts at the server's `retry:` and doubles to 30 s, sending
 *   `Last-Event-ID: <cursor>` so that tessera replays what was missed.
 * - {@link Feed.silentForMs} is how long the feed has been down, by the
 *   injected clock: 0 while a stream is open.
 */
import type { RevocationFeedEvent, RevocationFeedKind } from '@tessera/protocol';
import type { Clock } from './options.js';
import { createSseParser } from './sse.js';

export interface FeedOptions {
  readonly url: URL;
  readonly service: { readonly name: string; readonly secret: string };
  readonly clock: Clock;
  readonly onEvent: (event: RevocationFeedEvent) => void;
  /** Events were missed: refuse tokens issued at or before `resetAt` (seconds). */
  readonly onReset: (resetAt: number) => void;
  readonly onError: (error: Error) => void;
  /** A stream silent this long is dropped and reopened; default 20 s (heartbeats come every 15 s). */
  readonly idleTimeoutMs?: number;
}

export interface Feed {
  /** Resolves when the first stream is live. */
  readonly firstReady: Promise<void>;
  /** Milliseconds since the feed was last live; 0 while it is. */
  silentForMs(): number;
  /** Milliseconds until the next connection attempt (0 when connected or connecting now). */
  retryInMs(): number;
  /** The cursor to resume from; undefined before the first `ready`. */
  readonly cursor: string | undefined;
  close(): void;
}

const KINDS: ReadonlySet<string> = new Set<RevocationFeedKind>(['session', 'user', 'key', 'keys']);
const MAX_BACKOFF_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connects at once and keeps connecting until {@link Feed.close}.
 * @example
 * ```ts
 * const feed = startFeed({ url, service, clock, onEvent: (e) => list.apply(e), onReset: list.reset, onError: console.warn });
 * ```
 */
export function startFeed(options: FeedOptions): Feed {
  const { clock } = options;
  const idleTimeoutMs = options.idleTimeoutMs ?? 20_000;
  const authorization = `Basic ${Buffer.from(`${options.service.name}:${options.service.secret}`).toString('base64')}`;
  let cursor: string | undefined;
  let live = false;
  let closed = false;
  let lastLiveAt = clock.now();
  let retryBaseMs = 1000;
  let attempt = 0;
  let nextAttemptAt = 0;
  let controller: AbortController | undefined;
  let wake: (() => void) | undefined;
  let markReady: () => void = () => {};
  const firstReady = new Promise<void>((resolve) => (markReady = resolve));

  const goneQuiet = () => {
    if (live) lastLiveAt = clock.now();
    live = false;
  };

  const connectOnce = async (): Promise<void> => {
    controller = new AbortController();
    const { signal } = controller;
    let idle = setTimeout(() => controller?.abort(new Error('no heartbeat')), CONNECT_TIMEOUT_MS);
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => controller?.abort(new Error('the revocation feed went silent')), idleTimeoutMs);
    };
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream', authorization };
      if (cursor !== undefined) headers['last-event-id'] = cursor;
      const response = await fetch(options.url, { headers, signal, redirect: 'error' });
      if (response.status !== 200 || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        await response.body?.cancel();
        throw new Error(`GET ${options.url.href} answered ${response.status}`);
      }
      if (response.body === null) throw new Error(`GET ${options.url.href} has no body`);
      touch();
      const parser = createSseParser({
        onRetry: (ms) => (retryBaseMs = Math.min(Math.max(ms, 10), MAX_BACKOFF_MS)),
        onComment: () => {},
        onEvent: ({ event, data, id }) => {
          if (event === 'ready') {
            const page = parseJson(data) as { reset?: unknown; reset_at?: unknown } | undefined;
            if (page?.reset === true && typeof page.reset_at === 'number') options.onReset(page.reset_at);
            if (id !== undefined) cursor = id;
            live = true;
            attempt = 0;
            markReady();
          } else if (event === 'revocation' && live) {
            const revocation = parseEvent(data);
            if (revocation === undefined) {
              options.onError(
                new Error(`the revocation feed sent an event this verifier cannot read: ${data.slice(0, 200)}`),
              );
              return;
            }
            options.onEvent(revocation);
            cursor = id ?? revocation.cursor;
          }
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body) {
        touch();
        parser.push(decoder.decode(chunk as Uint8Array, { stream: true }));
      }
      throw new Error('the revocation feed ended');
    } finally {
      clearTimeout(idle);
      goneQuiet();
    }
  };

  const run = async () => {
    while (!closed) {
      try {
        await connectOnce();
      } catch (error) {
        if (closed) return;
        options.onError(error instanceof Error ? error : new Error(String(error)));
      }
      const ceiling = Math.min(retryBaseMs * 2 ** attempt, MAX_BACKOFF_MS);
      attempt = Math.min(attempt + 1, 16);
      const delay = ceiling / 2 + Math.random() * (ceiling / 2);
      nextAttemptAt = Date.now() + delay;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  };
  void run();

  return {
    firstReady,
    silentForMs: () => (live ? 0 : Math.max(0, clock.now() - lastLiveAt)),
    retryInMs: () => (live ? 0 : Math.max(0, nextAttemptAt - Date.now())),
    get cursor() {
      return cursor;
    },
    close() {
      closed = true;
      controller?.abort(new Error('closed'));
      wake?.();
    },
  };
}

function parseEvent(data: string): RevocationFeedEvent | undefined {
  const value = parseJson(data) as Partial<RevocationFeedEvent> | undefined;
  if (value === undefined || typeof value !== 'object' || value === null) return undefined;
  const { cursor, kind, target, at } = value;
  if (typeof cursor !== 'string' || typeof kind !== 'string' || !KINDS.has(kind)) return undefined;
  if (typeof target !== 'string' || typeof at !== 'number' || !Number.isFinite(at)) return undefined;
  return { cursor, kind, target, at };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
