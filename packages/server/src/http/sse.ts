import { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';

/** One server-sent event (the WHATWG `text/event-stream` format). */
export interface ServerSentEvent {
  event: string;
  id: string;
  /** One line: JSON, which never holds a raw newline. */
  data: string;
}

/** A `text/event-stream` answer being written. */
export interface EventStream {
  /** Writes one event; false once the stream has ended. */
  send(event: ServerSentEvent): boolean;
  /** Resolves once what was written has mostly gone to the client (or the stream has ended): write more then. */
  drained(): Promise<void>;
  /** Ends the answer cleanly; the client reconnects as it sees fit. */
  end(): void;
  /** Called once, when the answer is over for any reason (ended, the client left, the backlog bound). */
  onClose(listener: () => void): void;
}

export interface EventStreamOptions {
  /** How often a `: heartbeat` comment is sent, so that proxies and clients see the stream alive. */
  heartbeatMs: number;
  /** What the client waits before reconnecting (the `retry:` field). */
  retryMs: number;
  /**
   * Bytes written and not yet taken by the client past which the stream is
   * cut: a client that stops reading costs bounded memory, and resumes from
   * its last event when it reconnects.
   */
  maxBacklogBytes: number;
}

/**
 * Starts a `text/event-stream` answer on `reply` (status 200, not cached, not
 * buffered by nginx) and returns its writer. The handler must return `reply`.
 *
 * @example
 * ```ts
 * const stream = openEventStream(reply, { heartbeatMs: 15_000, retryMs: 1000, maxBacklogBytes: 1 << 20 });
 * stream.send({ event: 'ready', id: '42', data: '{"reset":false}' });
 * return reply;
 * ```
 */
export function openEventStream(reply: FastifyReply, options: EventStreamOptions): EventStream {
  const body = new PassThrough();
  const listeners: Array<() => void> = [];
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    for (const listener of listeners.splice(0)) listener();
  };
  const backlog = () => body.writableLength + body.readableLength + reply.raw.writableLength;
  const write = (text: string): boolean => {
    if (!open) return false;
    body.write(text);
    if (backlog() <= options.maxBacklogBytes) return true;
    reply.log.info({ backlogBytes: backlog() }, 'event stream cut: the client does not read it');
    close();
    reply.raw.destroy();
    return false;
  };
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), options.heartbeatMs);
  heartbeat.unref();
  reply.raw.once('close', close);
  body.once('close', close);

  void reply
    .code(200)
    .header('content-type', 'text/event-stream')
    .header('cache-control', 'no-store')
    .header('x-accel-buffering', 'no')
    // A stream's connection is not reused: ended (tessera closing, say), it
    // would sit idle and hold the server's close until its keep-alive timeout.
    .header('connection', 'close')
    .send(body);
  write(`retry: ${options.retryMs}\n\n`);

  return {
    send: ({ event, id, data }) => write(`event: ${event}\nid: ${id}\ndata: ${data}\n\n`),
    async drained() {
      // Until little is left anywhere between here and the socket: a 'drain' of the body alone only
      // moves the bytes on (Node 22 raised streams' buffers to 64 KiB), and the next page would pass the bound.
      while (open && backlog() > options.maxBacklogBytes / 4) {
        await new Promise<void>((resolve) => {
          const done = () => {
            body.off('drain', done);
            reply.raw.off('drain', done);
            resolve();
          };
          body.once('drain', done);
          reply.raw.once('drain', done);
          listeners.push(done);
        });
      }
    },
    end() {
      if (!open) return;
      close();
      body.end();
    },
    onClose(listener) {
      if (open) listeners.push(listener);
      else listener();
    },
  };
}
