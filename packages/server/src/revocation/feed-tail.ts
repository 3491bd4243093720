import type { RevocationEvent, Store } from '../store/types.js';
import { FEED_PAGE_SIZE } from './feed-page.js';
import type { ServicePrincipal } from './service-credentials.js';

/** How often open streams' services are read again: a revoked service's streams end within this (and a poll). */
const CREDENTIAL_CHECK_MS = 1000;

/** One open stream, as the tail sees it. */
export interface FeedSubscriber {
  /** The service it was opened with. */
  readonly service: ServicePrincipal;
  /** Takes events after the last one it was given, in order; never one twice. */
  deliver(events: readonly RevocationEvent[]): void;
  /** Ends the stream (its service was revoked, or the server is closing); the tail has already dropped it. */
  end(): void;
}

export interface FeedTail {
  /**
   * Adds a stream that has been given every event up to `position`: it gets
   * the rest, from the store first if the tail has moved past it. Returns
   * a function that removes it.
   */
  join(subscriber: FeedSubscriber, position: number): () => void;
  /** New entries may be in the log: read it now (a no-op while no stream is open). */
  wake(): void;
  /**
   * Ends every stream, and any that joins later at once: the server is
   * closing, and waits for open answers to end.
   */
  close(): void;
  readonly size: number;
}

export interface FeedTailOptions {
  store: Pick<Store, 'readRevocations' | 'listServices'>;
  /** Also read the log this often while streams are open: the bound when no wake-up comes. */
  pollIntervalMs: number;
  warn: (message: string, error: unknown) => void;
  /** Milliseconds, for the credential checks' spacing. */
  now?: () => number;
}

/**
 * One reader of the revocation log per instance, shared by every open
 * stream of the feed. It reads after its cursor when woken (by each
 * revocation this instance commits or hears of on the channel) and every
 * `pollIntervalMs`, and hands each stream what it has not seen; a stream
 * that joins behind the tail is first caught up from the store. It reads
 * nothing while no stream is open. A read that fails (the store is down) is
 * tried again at the next wake-up: streams stay open and catch up.
 */
export function createFeedTail({ store, pollIntervalMs, warn, now = Date.now }: FeedTailOptions): FeedTail {
  const positions = new Map<FeedSubscriber, number>();
  /** The last entry the tail read; undefined while no stream is open. */
  let cursor: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reading = false;
  let again = false;
  let failing = false;
  let checkedAt = now();
  let closed = false;

  /** With no stream left, stops the timer and forgets the cursor (a read in progress forgets it when it ends). */
  const stopIfIdle = () => {
    if (positions.size > 0) return;
    clearInterval(timer);
    timer = undefined;
    if (!reading) cursor = undefined;
  };

  const deliver = (subscriber: FeedSubscriber, events: readonly RevocationEvent[], upTo: number) => {
    const from = positions.get(subscriber);
    if (from === undefined) return;
    const fresh = events.filter((event) => event.id > from && event.id <= upTo);
    positions.set(subscriber, Math.max(from, upTo));
    if (fresh.length > 0) subscriber.deliver(fresh);
  };

  /** Brings a stream that joined behind the tail up to `target`. */
  const catchUp = async (subscriber: FeedSubscriber, target: number) => {
    for (let from = positions.get(subscriber); from !== undefined && from < target;) {
      const events = await store.readRevocations(from, FEED_PAGE_SIZE);
      const last = events.at(-1)?.id ?? target;
      // Fewer than a page, or past the target: nothing else up to the target (ids have gaps).
      const reached = events.length < FEED_PAGE_SIZE || last >= target ? target : last;
      deliver(subscriber, events, reached);
      from = positions.get(subscriber);
    }
  };

  const checkCredentials = async () => {
    if (now() - checkedAt < CREDENTIAL_CHECK_MS) return;
    checkedAt = now();
    const services = new Map((await store.listServices()).map((service) => [service.name, service]));
    for (const subscriber of [...positions.keys()]) {
      // Revoked, or revoked and created again with a new secret: the stream's credentials are gone.
      const current = services.get(subscriber.service.name);
      if (current?.revokedAt === null && current.secretHash === subscriber.service.secretHash) continue;
      positions.delete(subscriber);
      subscriber.end();
    }
  };

  const read = async () => {
    cursor ??= Math.min(...positions.values());
    for (const [subscriber, position] of positions) if (position < cursor) await catchUp(subscriber, cursor);
    for (;;) {
      const from: number = cursor;
      const events = await store.readRevocations(from, FEED_PAGE_SIZE);
      if (events.length === 0) break;
      cursor = events.at(-1)!.id;
      // A stream that joined during the read, behind it, is caught up on the next round (its join asked for one).
      for (const [subscriber, position] of [...positions]) if (position >= from) deliver(subscriber, events, cursor);
      if (events.length < FEED_PAGE_SIZE) break;
    }
    await checkCredentials();
  };

  const run = async () => {
    reading = true;
    try {
      do {
        again = false;
        if (positions.size === 0) break;
        await read();
      } while (again);
      if (failing) warn('the revocation feed reads the log again', undefined);
      failing = false;
    } catch (error) {
      if (!failing) warn('the revocation feed cannot read the log; its streams wait and catch up', error);
      failing = true;
    } finally {
      reading = false;
      stopIfIdle();
    }
  };

  const wake = () => {
    if (positions.size === 0) return;
    if (reading) {
      again = true;
      return;
    }
    void run();
  };

  return {
    join(subscriber, position) {
      if (closed) {
        subscriber.end();
        return () => undefined;
      }
      positions.set(subscriber, position);
      if (timer === undefined) {
        timer = setInterval(wake, pollIntervalMs);
        timer.unref();
      }
      wake();
      return () => {
        positions.delete(subscriber);
        stopIfIdle();
      };
    },
    wake,
    close() {
      closed = true;
      const subscribers = [...positions.keys()];
      positions.clear();
      stopIfIdle();
      for (const subscriber of subscribers) subscriber.end();
    },
    get size() {
      return positions.size;
    },
  };
}
