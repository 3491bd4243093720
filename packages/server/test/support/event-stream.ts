/** A reader of a `text/event-stream` answer, for the revocation feed's tests. */

/** One event as the stream sent it; `fields` keeps every field line (`retry`, `id`, …). */
export interface ReceivedEvent {
  event: string | undefined;
  id: string | undefined;
  data: string | undefined;
  retry: string | undefined;
  /** The comment lines (`: heartbeat`) of the block, without the colon and space. */
  comments: string[];
}

export interface EventStreamClient {
  status: number;
  headers: Headers;
  /** Every block received so far, in order. */
  readonly received: ReceivedEvent[];
  /** The `revocation` events received so far. */
  revocations(): Array<Record<string, unknown>>;
  /** Resolves when the server ends the stream (cleanly or not). */
  readonly ended: Promise<void>;
  readonly isEnded: boolean;
  /** Drops the connection from the client's side. */
  close(): void;
}

/**
 * GETs `url` and reads the answer as server-sent events as they arrive. An
 * answer that is not an event stream is read whole: `received` stays empty.
 */
export async function openEventStream(url: string, headers: Record<string, string>): Promise<EventStreamClient> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const received: ReceivedEvent[] = [];
  let isEnded = false;
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          received.push(parseBlock(buffered.slice(0, end)));
          buffered = buffered.slice(end + 2);
        }
      }
    } catch {
      // Aborted by the client, or cut by the server: ended either way.
    } finally {
      isEnded = true;
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    received,
    revocations: () =>
      received
        .filter((block) => block.event === 'revocation')
        .map((block) => JSON.parse(block.data ?? '') as Record<string, unknown>),
    ended,
    get isEnded() {
      return isEnded;
    },
    close: () => abort.abort(),
  };
}

function parseBlock(block: string): ReceivedEvent {
  const parsed: ReceivedEvent = { event: undefined, id: undefined, data: undefined, retry: undefined, comments: [] };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      parsed.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (name === 'event' || name === 'id' || name === 'data' || name === 'retry') parsed[name] = value;
  }
  return parsed;
}
