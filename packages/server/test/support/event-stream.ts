/**
 * A reader of a `text/event-stream` answer, for the revocation feed's tests.
 * Over `node:http` on a connection of its own: closing it closes exactly that
 * socket (fetch's pool may keep or open others, which would hold a server's
 * graceful close).
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** One block as the stream sent it: its fields, and its comment lines (`: heartbeat`) without the colon. */
export interface ReceivedEvent {
  event: string | undefined;
  id: string | undefined;
  data: string | undefined;
  retry: string | undefined;
  comments: string[];
}

export interface EventStreamClient {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every block received so far, in order. */
  readonly received: ReceivedEvent[];
  /** The `revocation` events received so far, parsed. */
  revocations(): Array<Record<string, unknown>>;
  /** Resolves when the answer is over (the server ended it, or the connection closed). */
  readonly ended: Promise<void>;
  readonly isEnded: boolean;
  /** Drops the connection from the client's side. */
  close(): void;
}

/** GETs `url` with `Accept: text/event-stream` and reads the answer's blocks as they arrive. */
export function openEventStream(url: string, headers: Record<string, string>): Promise<EventStreamClient> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } });
    request.on('error', reject);
    request.on('response', (response) => {
      const received: ReceivedEvent[] = [];
      let isEnded = false;
      let buffered = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          received.push(parseBlock(buffered.slice(0, end)));
          buffered = buffered.slice(end + 2);
        }
      });
      const ended = new Promise<void>((done) => {
        response.on('close', () => {
          isEnded = true;
          done();
        });
      });
      request.removeListener('error', reject);
      request.on('error', () => undefined);
      resolve({
        status: response.statusCode ?? 0,
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
        close: () => request.destroy(),
      });
    });
    request.end();
  });
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
