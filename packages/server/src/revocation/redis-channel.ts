import { Redis } from 'ioredis';
import type { RevocationChannel } from './feed.js';

const CHANNEL = 'tessera:revocations';

/** Redis connection options that fail fast instead of queueing while Redis is down. */
export const REDIS_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  retryStrategy: () => 500,
  lazyConnect: true,
} as const;

/**
 * Revocations over Redis pub/sub. ioredis reconnects and resubscribes by
 * itself; messages sent while an instance is disconnected are lost, which
 * the revocation log covers.
 */
export function createRedisChannel(url: string, onStatus: (up: boolean, error?: unknown) => void): RevocationChannel {
  const publisher = new Redis(url, REDIS_OPTIONS);
  const subscriber = new Redis(url, { ...REDIS_OPTIONS, enableOfflineQueue: true });
  let up: boolean | undefined;
  const update = (error?: unknown) => {
    const now = publisher.status === 'ready' && subscriber.status === 'ready';
    if (now !== up) onStatus(now, error);
    up = now;
  };
  for (const connection of [publisher, subscriber]) {
    for (const event of ['ready', 'close', 'end']) connection.on(event, () => update());
    connection.on('error', (error: unknown) => update(error));
  }
  return {
    async publish(event) {
      await publisher.publish(CHANNEL, JSON.stringify(event));
    },
    async subscribe(listener) {
      subscriber.on('message', (_channel: string, message: string) => {
        const event = parseEvent(message);
        if (event !== undefined) listener(event);
      });
      // Down at start is not fatal: the log carries revocations, ioredis keeps trying.
      await Promise.all([publisher.connect(), subscriber.connect()]).catch((error: unknown) => update(error));
      void subscriber.subscribe(CHANNEL).catch(() => undefined);
    },
    async close() {
      publisher.disconnect();
      subscriber.disconnect();
      await Promise.resolve();
    },
  };
}

function parseEvent(message: string): { kind: 'session' | 'user'; target: string } | undefined {
  try {
    const value = JSON.parse(message) as { kind?: unknown; target?: unknown };
    if ((value.kind === 'session' || value.kind === 'user') && typeof value.target === 'string') {
      return { kind: value.kind, target: value.target };
    }
  } catch {
    // Not ours: ignore.
  }
  return undefined;
}
