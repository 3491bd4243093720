/**
 * Requests Node's parser refuses before Fastify sees them, sent over raw TCP:
 * each is answered in the contract's `{"detail","code"}` shape and closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';
import { rawExchange } from '../support/raw-http.js';

const MALFORMED = { status: 400, body: { detail: 'Malformed request.', code: 'parse_error' } };

describe('client errors over raw TCP', () => {
  let server: TestServer;
  let port: number;
  beforeAll(async () => {
    server = await createTestServer();
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    port = (server.app.server.address() as { port: number }).port;
  });
  afterAll(() => server.close());

  const send = async (request: string) => {
    const answer = await rawExchange(port, (socket) => socket.end(request));
    return { status: answer.status, body: answer.body, type: answer.headers['content-type'] };
  };
  const post = (headers: string, body = '') => `POST /api/token/ HTTP/1.1\r\nHost: tessera\r\n${headers}\r\n${body}`;

  it.each([
    ['a Content-Length that is not a number', post('Content-Length: abc\r\n'), MALFORMED],
    ['two different Content-Lengths', post('Content-Length: 2\r\nContent-Length: 3\r\n', '{}'), MALFORMED],
    [
      'Content-Length with Transfer-Encoding',
      post('Content-Length: 2\r\nTransfer-Encoding: chunked\r\n', '{}'),
      MALFORMED,
    ],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', MALFORMED],
    ['a header line without a colon', post('Content-Type application/json\r\n'), MALFORMED],
    [
      'headers over 16 KiB',
      post(`X-Filler: ${'x'.repeat(17 * 1024)}\r\n`),
      { status: 431, body: { detail: 'Request headers are too large.', code: 'headers_too_large' } },
    ],
    [
      'an Expect header other than 100-continue',
      post('Expect: the-unexpected\r\nContent-Type: application/json\r\nContent-Length: 2\r\n', '{}'),
      { status: 417, body: { detail: 'Only "Expect: 100-continue" is supported.', code: 'expectation_failed' } },
    ],
  ])('%s', async (_name, request, expected) => {
    expect(await send(request)).toEqual({ ...expected, type: 'application/json' });
  });

  it('a well-formed request over the same raw TCP is answered as usual', async () => {
    const answer = await send(
      post('Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n', '{}'),
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ username: ['This field is required.'], password: ['This field is required.'] });
  });
});
