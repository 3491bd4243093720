import type { RevocationFeedEvent, RevocationFeedPage } from '@tessera/protocol';
import type { RevocationEvent, Store } from '../store/types.js';

/** The most events one answer carries; the client asks again from the cursor it got. */
export const FEED_PAGE_SIZE = 1000;

/** A cursor as the feed gives them: a log id in decimal, no sign, no leading zeros. */
const CURSOR = /^(0|[1-9]\d{0,15})$/;

/**
 * The log id a cursor names, or undefined when `text` is not a cursor.
 *
 * @example
 * ```ts
 * parseCursor('42'); // 42
 * parseCursor('-1'); // undefined
 * ```
 */
export function parseCursor(text: string): number | undefined {
  if (!CURSOR.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** One log entry as the feed sends it: its cursor, and `at` in seconds. */
export function toFeedEvent(event: RevocationEvent): RevocationFeedEvent {
  return { cursor: String(event.id), kind: event.kind, target: event.target, at: Math.floor(event.at / 1000) };
}

/**
 * The events after `since`, oldest first, at most {@link FEED_PAGE_SIZE};
 * `since` undefined (a verifier starting) begins at `replayFromMs`: a
 * revocation made just before it started still refuses tokens that have not
 * expired. A cursor the log no longer covers (pruned past it) or never
 * reached (a restored database) answers `reset` with the newest cursor. The
 * bounds are read after the entries: a prune that deleted entries before the
 * read has raised them.
 *
 * @example
 * ```ts
 * await readFeedPage(store, 41, { nowMs: Date.now(), replayFromMs: Date.now() - 300_000 });
 * // { events: [{ cursor: '42', kind: 'session', target: '…', at: 1767225600 }], cursor: '42', reset: false }
 * ```
 */
export async function readFeedPage(
  store: Pick<Store, 'readRevocations' | 'revocationLogBounds' | 'revocationCursorAt'>,
  since: number | undefined,
  { nowMs, replayFromMs }: { nowMs: number; replayFromMs: number },
): Promise<RevocationFeedPage> {
  const from = since ?? (await store.revocationCursorAt(replayFromMs));
  const events = await store.readRevocations(from, FEED_PAGE_SIZE);
  const { prunedThrough, latest } = await store.revocationLogBounds();
  if (from < prunedThrough || from > latest) {
    return { events: [], cursor: String(latest), reset: true, reset_at: Math.floor(nowMs / 1000) };
  }
  const last = events.at(-1);
  return { events: events.map(toFeedEvent), cursor: String(last?.id ?? from), reset: false };
}
