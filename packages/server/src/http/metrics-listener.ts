import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorTable } from '@tessera/protocol';
import type { FastifyInstance } from 'fastify';
import { renderMetrics } from './metrics.js';

/** Where {@link listenForMetrics} listens. */
export interface MetricsAddress {
  port: number;
  host: string;
}

/** How long a scraper may take to send its request: it is a local, trusted client. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Serves the app's metrics, `GET /metrics` in Prometheus' text format, on a
 * listener of their own, and closes it with the app. The counters describe
 * every client's logins, so they are never served on the API's port, where
 * anyone could read them; this port is for the monitoring network only.
 * Call it before the app listens (it adds an `onClose` hook).
 *
 * @returns the listener's base URL, e.g. `http://127.0.0.1:9100`.
 * @example
 * ```ts
 * const app = await buildApp({ config, secretKey, store });
 * const url = await listenForMetrics(app, { port: 9100, host: '127.0.0.1' });
 * await app.listen({ port: 8000 });
 * ```
 */
export async function listenForMetrics(app: FastifyInstance, address: MetricsAddress): Promise<string> {
  const { metrics } = app.tessera;
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (request.method !== 'GET' || path !== '/metrics') return sendNotFound(response);
    renderMetrics(metrics).then(
      (text) => {
        response
          .writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' })
          .end(text);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'metrics could not be collected');
        response
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ detail: errorTable.server_error.detail, code: 'server_error' }));
      },
    );
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  app.addHook('onClose', (_instance, done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
  const { address: bound, port, family } = server.address() as AddressInfo;
  return `http://${family === 'IPv6' ? `[${bound}]` : bound}:${port}`;
}

function sendNotFound(response: ServerResponse): void {
  response
    .writeHead(404, { 'content-type': 'application/json' })
    .end(JSON.stringify({ detail: errorTable.not_found.detail, code: 'not_found' }));
}
