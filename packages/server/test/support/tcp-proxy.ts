import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to a real server that a test can cut: `refuse()` closes every
 * connection and refuses new ones, `hang()` accepts and forwards nothing (a
 * network that swallows packets), `restore()` forwards again on the same port.
 */
export interface TcpProxy {
  port: number;
  refuse(): Promise<void>;
  hang(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let mode: 'forward' | 'hang' = 'forward';
  let server: Server | undefined;
  let port = 0;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        track(client);
        if (mode === 'hang') return;
        const upstream = connect(target.port, target.host);
        track(upstream);
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (server === undefined) return resolve();
      server.close(() => resolve());
      server = undefined;
    });

  await listen();
  return {
    get port() {
      return port;
    },
    refuse: stop,
    hang() {
      mode = 'hang';
      for (const socket of sockets) socket.destroy();
    },
    async restore() {
      mode = 'forward';
      if (server === undefined) await listen();
    },
    close: stop,
  };
}
