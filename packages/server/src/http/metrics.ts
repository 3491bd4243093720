import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestStats } from './request-stats.js';
import { SECURITY_EVENTS, type EventRecording, type SecurityEvent, type SecurityEventFields } from '../auth/events.js';

/**
 * What an operator alerts on, in Prometheus' text format: served by
 * {@link listenForMetrics} on its own port, never on the API's.
 */
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
      // Failures are not told apart: the login answer is the same for an unknown user, a wrong password and
      // an inactive account, and a counter by reason would say which one happened (the log keeps the reason).
      help: 'Logins by outcome: success or failure.',
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

/** Counts a security event into the metric {@link SECURITY_EVENTS} names for it. */
export function countSecurityEvent(metrics: Metrics, event: SecurityEvent, fields: SecurityEventFields): void {
  const recording: EventRecording = SECURITY_EVENTS[event];
  switch (recording.metric) {
    case 'logins':
      return metrics.logins.inc({ outcome: event === 'login_success' ? 'success' : 'failure' });
    case 'refreshes':
      return metrics.refreshes.inc({ outcome: event === 'refresh' ? 'rotated' : slug(fields.reason ?? 'unknown') });
    case 'reuseDetections':
      return metrics.reuseDetections.inc();
    case 'revocations':
      return metrics.revocations.inc({ kind: fields.via ?? event });
    case undefined:
      return;
  }
}

const slug = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]+/g, '_');

/** `tessera_revocation_feed_streams`: the feed's streams open on this instance, as `count` says when scraped. */
export function gaugeFeedStreams(metrics: Metrics, count: () => number): void {
  new Gauge({
    name: 'tessera_revocation_feed_streams',
    help: 'Revocation feed streams open on this instance.',
    registers: [metrics.registry],
    collect() {
      this.set(count());
    },
  });
}

/** Every metric in Prometheus' text format: the registry's, then the request stats kept beside it. */
export async function renderMetrics(metrics: Metrics): Promise<string> {
  return (await metrics.registry.metrics()) + metrics.requests.render();
}

/** Decorates the app with its metrics and times every request; {@link listenForMetrics} serves them. */
export const metricsPlugin = fp(
  (app: FastifyInstance, _options: object, done: () => void) => {
    const metrics = createMetrics();
    app.decorate('metrics', metrics);
    app.addHook('onResponse', (request, reply, next) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.requests.record(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
      next();
    });
    done();
  },
  { name: 'tessera-metrics' },
);
