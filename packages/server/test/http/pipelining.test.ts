import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { within } from '../support/eventually.js';
import { createTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let port: number;

beforeAll(async () => {
  server = await createTestServer();
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  port = (server.app.server.address() as AddressInfo).port;
});
afterAll(() => server.close());

/** A client that pipelines `count` requests in one write and never reads an answer. */
function pipelineWithoutReading(count: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.pause();
      socket.write('GET /api/schema/ HTTP/1.1\r\nHost: tessera\r\n\r\n'.repeat(count));
      resolve(socket);
    });
    socket.on('error', () => undefined);
  });
}

const openConnections = () =>
  new Promise<number>((resolve, reject) =>
    server.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

/** What the server's sockets hold, unsent, for their clients: where unread answers pile up. */
const unsentBytes = (sockets: Iterable<Socket>) =>
  [...sockets].reduce((sum, socket) => sum + (socket.destroyed ? 0 : socket.writableLength), 0);

describe('a client that pipelines requests and never reads the answers', () => {
  it('is cut off past 16 requests in flight, and its answers are not kept, while other clients are served', async () => {
    const accepted = new Set<Socket>();
    server.app.server.on('connection', (socket: Socket) => accepted.add(socket));
    const clients = await Promise.all(Array.from({ length: 5 }, () => pipelineWithoutReading(2000)));
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    // Only the health check's keep-alive connection is left.
    await within(5000, async () => (await openConnections()) <= 1);
    // Without the cut, each connection holds about 1,700 OpenAPI documents of 30 kB: 250 MB in all.
    expect(unsentBytes(accepted)).toBeLessThan(1024 * 1024);
    for (const socket of clients) socket.destroy();
  });

  it('is served when it pipelines a few requests and reads them', async () => {
    const answers = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('GET /healthz HTTP/1.1\r\nHost: tessera\r\n\r\n'.repeat(4));
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.split('HTTP/1.1 200').length - 1 === 4) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
    });
    expect(answers.split('{"status":"ok"}').length - 1).toBe(4);
  });
});
