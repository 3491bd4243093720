import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestStats } from './request-stats.js';
import type { SecurityEvent } from './security-log.js';

/** What an operator alerts on, in Prometheus' text format at `GET /metrics`. */
export interface Metrics {
  registry: Registry;
  /** Requests and their latency by route, method and status. */
  requests: RequestStats;
  logins: Counter<'outcome'>;
  refreshes: Counter<'outcome'>;
  revocations: Counter<'kind'>;
  /** A rotated refresh token presented after its grace window: the session was revoked. */
  reuseDetections: Counter;
  /** Requests refused by rate limits, by limit (obtain, refresh, password, register). */
  throttled: Counter<'route'>;
  storeErrors: Counter;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

/** One registry per app, so several apps in one process (tests) never share counts. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tessera_' });
  const registers = [registry];
  return {
    registry,
    requests: new RequestStats(),
    logins: new Counter({
      name: 'tessera_logins_total',
      help: 'Logins by outcome: success, or the reason of a failure (bad_password, unknown_user, inactive, ...).',
      labelNames: ['outcome'],
      registers,
    }),
    refreshes: new Counter({
      name: 'tessera_refreshes_total',
      help: 'Refreshes by outcome: rotated, or the token error.',
      labelNames: ['outcome'],
      registers,
    }),
    revocations: new Counter({
      name: 'tessera_revocations_total',
      help: 'Sessions ended, by how: logout, blacklist, revoke_all.',
      labelNames: ['kind'],
      registers,
    }),
    reuseDetections: new Counter({
      name: 'tessera_refresh_token_reuse_total',
      help: 'Rotated refresh tokens presented again: a sign of theft.',
      registers,
    }),
    throttled: new Counter({
      name: 'tessera_throttled_requests_total',
      help: 'Requests refused by rate limits, by route.',
      labelNames: ['route'],
      registers,
    }),
    storeErrors: new Counter({
      name: 'tessera_store_errors_total',
      help: 'Requests answered 503 because the store was unavailable.',
      registers,
    }),
  };
}

/** Counts a security event into the matching metric. */
export function countSecurityEvent(metrics: Metrics, event: SecurityEvent, reason: string | undefined): void {
  switch (event) {
    case 'login_success':
      return metrics.logins.inc({ outcome: 'success' });
    case 'login_failure':
      return metrics.logins.inc({ outcome: reason ?? 'unknown' });
    case 'refresh':
      return metrics.refreshes.inc({ outcome: 'rotated' });
    case 'refresh_failure':
      return metrics.refreshes.inc({ outcome: slug(reason ?? 'unknown') });
    case 'refresh_token_reuse':
      return metrics.reuseDetections.inc();
    case 'logout':
    case 'blacklist':
    case 'revoke_all':
    case 'session_revoked':
      return metrics.revocations.inc({ kind: event });
    // Counted by the throttle itself, per limit.
    case 'login_throttled':
    case 'password_changed':
    case 'profile_updated':
    case 'user_created':
      return;
  }
}

const slug = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]+/g, '_');

/** Decorates the app with its metrics, times every request, and serves `GET /metrics`. */
export const metricsPlugin = fp(
  (app: FastifyInstance, _options: object, done: () => void) => {
    const metrics = createMetrics();
    app.decorate('metrics', metrics);
    app.addHook('onResponse', (request, reply, next) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.requests.record(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
      next();
    });
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const text = (await metrics.registry.metrics()) + metrics.requests.render();
      return reply.type(metrics.registry.contentType).send(text);
    });
    done();
  },
  { name: 'tessera-metrics' },
);
