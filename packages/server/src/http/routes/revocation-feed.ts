import { paths, type RevocationFeedEvent, type RevocationFeedPage } from '@tessera/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../auth/context.js';
import { fieldErrors } from '../../errors.js';
import { FEED_PAGE_SIZE, parseCursor, readFeedPage, toFeedEvent } from '../../revocation/feed-page.js';
import type { ServicePrincipal } from '../../revocation/service-credentials.js';
import { defineRoute } from '../route-spec.js';
import { objectOf } from '../schemas.js';
import { openEventStream } from '../sse.js';

/** What an SSE client waits before reconnecting. */
const RETRY_MS = 1000;

const CURSOR_MESSAGE =
  'Enter a valid cursor: the cursor of the last event received, or nothing to start one access-token lifetime back.';

const event = objectOf({
  cursor: { type: 'string', description: '`?since=` it (or SSE `Last-Event-ID`) to continue after this event.' },
  kind: { type: 'string', enum: ['session', 'user', 'key', 'keys'] },
  target: { type: 'string', description: 'A session id (`sid`), a user id (`user_id`), or a key id (`kid`).' },
  at: { type: 'integer', description: 'When, in seconds since the epoch.' },
});

const page = {
  type: 'object',
  required: ['events', 'cursor', 'reset'],
  properties: {
    events: { type: 'array', items: event },
    cursor: { type: 'string' },
    reset: { type: 'boolean', description: 'The cursor was older than the log holds (or newer than it): start over.' },
    reset_at: { type: 'integer', description: 'With `reset`: refuse every token issued at or before this second.' },
  },
  additionalProperties: false,
} as const;

export const revocationFeedRoute = defineRoute({
  method: 'GET',
  paths: [paths.revocations],
  auth: 'service',
  name: 'Revocation Feed',
  description:
    'Revocations of sessions, users and signing keys, for services that verify tokens themselves; HTTP Basic ' +
    'with a service name and secret (`tessera services create NAME`). With `?since=CURSOR` and no ' +
    '`Accept: text/event-stream`: one page of JSON (`?since=` empty starts one access-token lifetime back). ' +
    'Otherwise server-sent events from `Last-Event-ID`, else `since`, else one access-token lifetime back.',
  schema: {
    tags: ['revocations'],
    querystring: { type: 'object', properties: { since: { type: 'string' } } },
    response: { 200: page },
  },
  handler(ctx, request, reply, service) {
    const since = readSince(request);
    const wantsStream = since === undefined || (request.headers.accept ?? '').includes('text/event-stream');
    if (!wantsStream) return readFeedPage(ctx.store, since.cursor, feedTimes(ctx));
    return stream(ctx, request, reply, service, readLastEventId(request) ?? since?.cursor);
  },
});

/** `?since`: absent (undefined), empty (start one access-token lifetime back), or a cursor. @throws {AuthError} 400 for anything else. */
function readSince(request: FastifyRequest): { cursor: number | undefined } | undefined {
  const raw = (request.query as Record<string, unknown>).since;
  const text = Array.isArray(raw) ? (raw as unknown[])[0] : raw;
  if (text === undefined) return undefined;
  if (text === '') return { cursor: undefined };
  const cursor = typeof text === 'string' ? parseCursor(text) : undefined;
  if (cursor === undefined) throw fieldErrors({ since: [CURSOR_MESSAGE] });
  return { cursor };
}

/** SSE's `Last-Event-ID`, which a reconnecting client sends and which wins over `since`. @throws {AuthError} 400. */
function readLastEventId(request: FastifyRequest): number | undefined {
  const text = request.headers['last-event-id'];
  if (text === undefined || text === '') return undefined;
  const cursor = typeof text === 'string' ? parseCursor(text.trim()) : undefined;
  if (cursor === undefined) throw fieldErrors({ 'Last-Event-ID': [CURSOR_MESSAGE] });
  return cursor;
}

/**
 * The event stream: `ready` with the cursor it starts from (or a reset), the
 * events after it, page by page as the client takes them, then every new one
 * as the instance's tail reads it. Catching up is the stream's own work, so
 * a slow client never holds the tail that every stream shares.
 */
async function stream(
  ctx: AuthContext,
  request: FastifyRequest,
  reply: FastifyReply,
  service: ServicePrincipal,
  start: number | undefined,
): Promise<FastifyReply> {
  const times = feedTimes(ctx);
  const from = start ?? (await ctx.store.revocationCursorAt(times.replayFromMs));
  const first: RevocationFeedPage = await readFeedPage(ctx.store, from, times);
  const events = openEventStream(reply, {
    heartbeatMs: ctx.revocationFeed.heartbeatMs,
    retryMs: RETRY_MS,
    maxBacklogBytes: ctx.revocationFeed.maxBacklogBytes,
  });
  const send = (feedEvent: RevocationFeedEvent) =>
    events.send({ event: 'revocation', id: feedEvent.cursor, data: JSON.stringify(feedEvent) });
  const ready = first.reset ? { reset: true, reset_at: first.reset_at } : { reset: false };
  const readyId = first.reset ? first.cursor : String(from);
  events.send({ event: 'ready', id: readyId, data: JSON.stringify(ready) });
  first.events.forEach(send);
  let position = Number(first.cursor);
  let pageFull = first.events.length === FEED_PAGE_SIZE;
  let open = true;
  events.onClose(() => (open = false));
  try {
    while (pageFull && open) {
      await events.drained();
      const page = await ctx.store.readRevocations(position, FEED_PAGE_SIZE);
      page.forEach((entry) => send(toFeedEvent(entry)));
      position = page.at(-1)?.id ?? position;
      pageFull = page.length === FEED_PAGE_SIZE;
    }
  } catch (error) {
    // The answer has begun: the client reconnects from its last event instead.
    request.log.warn({ err: error }, 'revocation feed stream ended while catching up');
    events.end();
    return reply;
  }
  const leave = ctx.revocationFeed.tail.join(
    {
      service,
      deliver: (entries) => entries.forEach((entry) => send(toFeedEvent(entry))),
      end: () => events.end(),
    },
    position,
  );
  events.onClose(leave);
  request.log.debug({ service: service.name, cursor: position }, 'revocation feed stream opened');
  return reply;
}

/** Now, and how far back a starting verifier is told: every access token still valid was issued since. */
function feedTimes(ctx: AuthContext): { nowMs: number; replayFromMs: number } {
  const nowMs = ctx.clock.now();
  const { accessTokenTtlSeconds, leewaySeconds } = ctx.settings;
  return { nowMs, replayFromMs: nowMs - (accessTokenTtlSeconds + leewaySeconds) * 1000 };
}
