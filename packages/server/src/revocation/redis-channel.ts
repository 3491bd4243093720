import type { Redis } from 'ioredis';
import { createRedisClient } from '../redis.js';
import type { RevocationKind } from '../store/types.js';
import type { RevocationChannel } from './feed.js';

const CHANNEL = 'tessera:revocations';

/**
 * Revocations over Redis pub/sub, connected by `subscribe`. ioredis
 * reconnects and resubscribes by itself; messages sent while an instance is
 * disconnected are lost, which the revocation log covers.
 */
export function createRedisChannel(url: string, onStatus: (up: boolean, error?: unknown) => void): RevocationChannel {
  let publisher: Redis | undefined;
  let subscriber: Redis | undefined;
  let up: boolean | undefined;
  const update = (error?: unknown) => {
    const now = publisher?.status === 'ready' && subscriber?.status === 'ready';
    if (now !== up) onStatus(now, error);
    up = now;
  };
  return {
    async publish(event) {
      if (publisher === undefined) throw new Error('the revocation channel is not connected yet');
      await publisher.publish(CHANNEL, JSON.stringify(event));
    },
    async subscribe(listener) {
      publisher = await createRedisClient(url);
      subscriber = await createRedisClient(url, { enableOfflineQueue: true });
      for (const connection of [publisher, subscriber]) {
        for (const event of ['ready', 'close', 'end']) connection.on(event, () => update());
        connection.on('error', (error: unknown) => update(error));
      }
      subscriber.on('message', (_channel: string, message: string) => {
        const event = parseEvent(message);
        if (event !== undefined) listener(event);
      });
      // Down at start is not fatal: the log carries revocations, ioredis keeps trying.
      await Promise.all([publisher.connect(), subscriber.connect()]).catch((error: unknown) => update(error));
      void subscriber.subscribe(CHANNEL).catch(() => undefined);
    },
    async answers() {
      if (publisher === undefined) return false;
      return publisher.ping().then(
        () => true,
        () => false,
      );
    },
    async close() {
      publisher?.disconnect();
      subscriber?.disconnect();
      await Promise.resolve();
    },
  };
}

const KINDS: ReadonlySet<unknown> = new Set<RevocationKind>(['session', 'user', 'key', 'keys']);

function parseEvent(message: string): { kind: RevocationKind; target: string } | undefined {
  try {
    const value = JSON.parse(message) as { kind?: unknown; target?: unknown };
    if (KINDS.has(value.kind) && typeof value.target === 'string') {
      return { kind: value.kind as RevocationKind, target: value.target };
    }
  } catch {
    // Not ours: ignore.
  }
  return undefined;
}
