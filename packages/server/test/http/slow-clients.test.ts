/**
 * Clients that hold connections: a body that never finishes, headers sent a
 * line at a time (slowloris), idle keep-alive connections, and many
 * connections from one address. Real sockets against a listening server with
 * a one-second request timeout; each case must end within a few seconds.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';
import { dribble, rawExchange } from '../support/raw-http.js';

const TIMED_OUT = { status: 408, body: { detail: 'The request was not received in time.', code: 'request_timeout' } };
/** The timeout (1 s), Node's check interval (1 s) and room for a busy machine. */
const BOUND_MS = 4000;
const MAX_CONNECTIONS = 4;
/** A server without these bounds would hold every case forever: fail instead. */
const TEST_TIMEOUT = { timeout: 10_000 };

describe('slow clients', () => {
  let server: TestServer;
  let port: number;
  beforeAll(async () => {
    server = await createTestServer({
      TESSERA_REQUEST_TIMEOUT: '1',
      TESSERA_KEEP_ALIVE_TIMEOUT: '1',
      TESSERA_MAX_CONNECTIONS_PER_IP: String(MAX_CONNECTIONS),
    });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    port = (server.app.server.address() as { port: number }).port;
  });
  afterAll(() => server.close());

  // The three timeouts are waited for together; each holds one connection.
  it.concurrent(
    'a body that never finishes gets 408 request_timeout and its connection closed',
    TEST_TIMEOUT,
    async () => {
      const answer = await rawExchange(port, (socket) =>
        socket.write(
          'POST /api/token/ HTTP/1.1\r\nHost: tessera\r\nContent-Type: application/json\r\n' +
            'Content-Length: 100\r\n\r\n{"username":',
        ),
      );
      expect({ status: answer.status, body: answer.body }).toEqual(TIMED_OUT);
      expect(answer.elapsedMs).toBeLessThan(BOUND_MS);
    },
  );

  it.concurrent(
    'headers sent a line at a time, never finished, get 408 request_timeout and the connection closed',
    TEST_TIMEOUT,
    async () => {
      const answer = await rawExchange(port, (socket) => {
        socket.write('GET /api/profile/ HTTP/1.1\r\nHost: tessera\r\n');
        dribble(socket, 'X-Slow: a\r\n', 200);
      });
      expect({ status: answer.status, body: answer.body }).toEqual(TIMED_OUT);
      expect(answer.elapsedMs).toBeLessThan(BOUND_MS);
    },
  );

  it.concurrent('an idle keep-alive connection is closed after the keep-alive timeout', TEST_TIMEOUT, async () => {
    const answer = await rawExchange(port, (socket) => socket.write('GET /healthz HTTP/1.1\r\nHost: tessera\r\n\r\n'));
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeLessThan(BOUND_MS);
  });

  it(
    `closes a connection beyond ${MAX_CONNECTIONS} from one address at once, and serves again when one ends`,
    TEST_TIMEOUT,
    async () => {
      const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => openIdle(port)));
      const refused = await rawExchange(port, (socket) =>
        socket.write('GET /healthz HTTP/1.1\r\nHost: tessera\r\n\r\n'),
      );
      expect(refused.status).toBeUndefined();
      expect(refused.elapsedMs).toBeLessThan(BOUND_MS);
      held.pop()?.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const served = await rawExchange(port, (socket) =>
        socket.end('GET /healthz HTTP/1.1\r\nHost: tessera\r\nConnection: close\r\n\r\n'),
      );
      expect(served.status).toBe(200);
      for (const socket of held) socket.destroy();
    },
  );
});

/** A connection that has sent nothing yet, once the server has accepted it. */
function openIdle(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}
