import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to a real server that a test can cut: `refuse()` closes every
 * connection and refuses new ones, `hang()` accepts and forwards nothing (a
 * network that swallows packets), `restore()` forwards again on the same port.
 * `stallAfter(text)` lets a connection's request containing `text` through,
 * then holds everything on that connection, both ways, until `resume()`
 * delivers what was held: a connection that goes silent mid-transaction and
 * comes back later. `silence()` does the same to every open connection at
 * once: a server that keeps its connections open and stops answering.
 */
export interface TcpProxy {
  port: number;
  refuse(): Promise<void>;
  hang(): void;
  restore(): Promise<void>;
  stallAfter(text: string): Promise<void>;
  silence(): void;
  resume(): void;
  close(): Promise<void>;
}

/** One direction of a proxied connection, which can hold what it would forward. */
interface Pipe {
  held: Buffer[] | undefined;
  forward(chunk: Buffer): void;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let mode: 'forward' | 'hang' = 'forward';
  let server: Server | undefined;
  let port = 0;
  let stallOn: Buffer | undefined;
  let stallSeen: (() => void) | undefined;
  let stalled: Pipe[] = [];
  const open = new Set<Pipe>();
  const pipe = (to: Socket): Pipe => {
    const direction: Pipe = {
      held: undefined,
      forward(chunk) {
        if (direction.held !== undefined) direction.held.push(chunk);
        else to.write(chunk);
      },
    };
    open.add(direction);
    to.on('close', () => open.delete(direction));
    return direction;
  };

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
        const toServer = pipe(upstream);
        const toClient = pipe(client);
        client.on('data', (chunk: Buffer) => {
          toServer.forward(chunk);
          if (stallOn !== undefined && chunk.includes(stallOn)) {
            stallOn = undefined;
            toServer.held ??= [];
            toClient.held ??= [];
            stalled.push(toServer, toClient);
            stallSeen?.();
          }
        });
        upstream.on('data', (chunk: Buffer) => toClient.forward(chunk));
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
    stallAfter(text) {
      stallOn = Buffer.from(text);
      return new Promise<void>((resolve) => {
        stallSeen = resolve;
      });
    },
    silence() {
      for (const direction of open) direction.held ??= [];
      stalled.push(...open);
    },
    resume() {
      for (const direction of stalled) {
        const held = direction.held ?? [];
        direction.held = undefined;
        for (const chunk of held) direction.forward(chunk);
      }
      stalled = [];
    },
    close: stop,
  };
}
