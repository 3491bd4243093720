/**
 * A server-sent events parser (the WHATWG `text/event-stream` format) for a
 * body read in chunks: `data`, `event`, `id` and `retry` fields, comments,
 * and any of CRLF, LF or CR as a line end. Small on purpose: the feed needs
 * nothing else, and the `eventsource` package would bring its own fetch and
 * reconnection, which the feed client must own (cursor, backoff, staleness).
 */

/** One dispatched event. */
export interface SseEvent {
  /** `message` when the server named none. */
  readonly event: string;
  readonly data: string;
  /** The last `id:` seen on the stream so far, as the spec's "last event ID". */
  readonly id: string | undefined;
}

export interface SseHandlers {
  onEvent(event: SseEvent): void;
  /** A `:` line, e.g. tessera's `: heartbeat`. */
  onComment(text: string): void;
  /** A `retry:` field: the reconnection delay the server asks for. */
  onRetry(ms: number): void;
}

/** A line longer than this ends the stream: a server of ours never sends one. */
export const MAX_LINE_LENGTH = 64 * 1024;

export interface SseParser {
  /** Feeds decoded text. @throws {RangeError} when a line exceeds {@link MAX_LINE_LENGTH}. */
  push(text: string): void;
}

/**
 * @example
 * ```ts
 * const parser = createSseParser({ onEvent: (e) => console.log(e.event, e.data), onComment() {}, onRetry() {} });
 * parser.push('event: ready\nid: 7\ndata: {}\n\n');
 * ```
 */
export function createSseParser(handlers: SseHandlers): SseParser {
  let buffer = '';
  let skipLeadingLf = false;
  let eventType = '';
  let data: string[] = [];
  let lastId: string | undefined;

  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) handlers.onEvent({ event: eventType || 'message', data: data.join('\n'), id: lastId });
      eventType = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) {
      handlers.onComment(text.slice(1).trimStart());
      return;
    }
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') eventType = value;
    else if (field === 'id' && !value.includes('\0')) lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) handlers.onRetry(Number(value));
  };

  return {
    push(text) {
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const char = buffer.charCodeAt(i);
        if (char === 10 && skipLeadingLf && i === start) {
          start = i + 1;
          skipLeadingLf = false;
          continue;
        }
        skipLeadingLf = false;
        if (char !== 10 && char !== 13) continue;
        line(buffer.slice(start, i));
        start = i + 1;
        if (char === 13) {
          if (i + 1 < buffer.length) {
            if (buffer.charCodeAt(i + 1) === 10) {
              i += 1;
              start = i + 1;
            }
          } else {
            skipLeadingLf = true;
          }
        }
      }
      buffer = buffer.slice(start);
      if (buffer.length > MAX_LINE_LENGTH) throw new RangeError('event stream line too long');
    },
  };
}
