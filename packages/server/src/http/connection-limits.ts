import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { BlockList, isIPv4, type Socket } from 'node:net';
import type { Config } from '../config.js';

/** How often Node checks for requests past their timeouts: the timeouts hold to within this. */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;
/** The longest wait for a request's headers, whatever the request timeout. */
const MAX_HEADERS_TIMEOUT_MS = 10_000;

/**
 * The Fastify options that bound how long a connection may be held: a
 * request must be complete (headers and body) within the request timeout,
 * its headers within ten seconds of it, and an idle keep-alive connection is
 * closed after the keep-alive timeout. Node's and Fastify's defaults let a
 * client that never finishes its body hold a socket forever.
 */
export function connectionTimeouts(config: Config) {
  const requestTimeout = config.requestTimeoutSeconds * 1000;
  return {
    requestTimeout,
    keepAliveTimeout: config.keepAliveTimeoutSeconds * 1000,
    http: {
      headersTimeout: Math.min(requestTimeout, MAX_HEADERS_TIMEOUT_MS),
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
  };
}

/**
 * Closes a new connection at once when its address already holds `max`
 * open ones, so that one client cannot take every descriptor the process
 * has. Trusted proxies are not bound: every client behind them shares their
 * address, and the proxy bounds its own clients (nginx's `limit_conn`).
 * `max` 0 sets no bound.
 */
export function limitConnectionsPerAddress(server: Server, max: number, trustedProxies: readonly string[]): void {
  if (max === 0) return;
  const exempt = new BlockList();
  for (const entry of trustedProxies) {
    const [address = '', bits] = entry.split('/');
    const type = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (bits === undefined) exempt.addAddress(address, type);
    else exempt.addSubnet(address, Number(bits), type);
  }
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = plainAddress(socket.remoteAddress);
    if (address === undefined || exempt.check(address, isIPv4(address) ? 'ipv4' : 'ipv6')) return;
    const count = open.get(address) ?? 0;
    if (count >= max) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * Closes a connection that has more than `maxDepth` requests in flight: a
 * client that pipelines requests and never reads the answers would have the
 * server build and hold every answer. Browsers and proxies do not pipeline,
 * so a small depth costs honest clients nothing.
 */
export function limitPipelining(server: Server, maxDepth: number): void {
  const inFlight = new WeakMap<Socket, number>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    const depth = (inFlight.get(socket) ?? 0) + 1;
    inFlight.set(socket, depth);
    if (depth > maxDepth) {
      socket.destroy();
      return;
    }
    response.once('close', () => inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1));
  });
}

/** An IPv4 address a dual-stack socket reports as `::ffff:a.b.c.d`, as plain IPv4. */
function plainAddress(address: string | undefined): string | undefined {
  const mapped = address?.startsWith('::ffff:') === true ? address.slice('::ffff:'.length) : undefined;
  return mapped !== undefined && isIPv4(mapped) ? mapped : address;
}
