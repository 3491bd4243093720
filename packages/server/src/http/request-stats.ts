import type { Registry } from 'prom-client';

/** Latency buckets in seconds, as Prometheus' `le` bounds. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

interface RouteStats {
  route: string;
  method: string;
  byStatus: Map<number, number>;
  /** Per bucket, not cumulative; the last slot is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

type Labels = Record<string, string | number>;
interface MetricValue {
  value: number;
  labels: Labels;
  metricName?: string;
}

/**
 * Counts requests and their latencies by route, method and status in plain
 * numbers, and shows them to prom-client only when `/metrics` is read.
 * prom-client's own counter and histogram hash their labels on every
 * observation: with them, the metrics hook cost about 8% of a protected
 * GET's CPU.
 */
export class RequestStats {
  /**
   * By route, then method: both strings are the same objects on every request
   * (the route's pattern, the parser's method), so their hashes are cached;
   * a key built from the two was hashed anew each time.
   */
  private readonly routes = new Map<string, Map<string, RouteStats>>();

  record(route: string, method: string, status: number, seconds: number): void {
    let byMethod = this.routes.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.routes.set(route, byMethod);
    }
    let stats = byMethod.get(method);
    if (stats === undefined) {
      stats = {
        route,
        method,
        byStatus: new Map(),
        buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      byMethod.set(method, stats);
    }
    stats.byStatus.set(status, (stats.byStatus.get(status) ?? 0) + 1);
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[bucket] as number)) bucket++;
    stats.buckets[bucket] = (stats.buckets[bucket] as number) + 1;
    stats.sum += seconds;
    stats.count++;
  }

  private allStats(): RouteStats[] {
    return [...this.routes.values()].flatMap((byMethod) => [...byMethod.values()]);
  }

  /** Registers `tessera_http_requests_total` and `tessera_http_request_duration_seconds` in `registry`. */
  register(registry: Registry): void {
    const requests = 'tessera_http_requests_total';
    const duration = 'tessera_http_request_duration_seconds';
    this.registerMetric(registry, requests, 'HTTP requests by route, method and status.', 'counter', () =>
      this.allStats().flatMap(({ route, method, byStatus }) =>
        [...byStatus].map(([status, value]) => ({ value, labels: { route, method, status } })),
      ),
    );
    this.registerMetric(registry, duration, 'HTTP request latency by route and method.', 'histogram', () =>
      this.allStats().flatMap(({ route, method, buckets, sum, count }) => {
        let cumulative = 0;
        const values: MetricValue[] = buckets.map((n, i) => {
          cumulative += n;
          return {
            value: cumulative,
            labels: { le: LATENCY_BUCKETS[i] ?? '+Inf', route, method },
            metricName: `${duration}_bucket`,
          };
        });
        values.push({ value: sum, labels: { route, method }, metricName: `${duration}_sum` });
        values.push({ value: count, labels: { route, method }, metricName: `${duration}_count` });
        return values;
      }),
    );
  }

  private registerMetric(
    registry: Registry,
    name: string,
    help: string,
    type: 'counter' | 'histogram',
    values: () => MetricValue[],
  ): void {
    // The shape prom-client's registry reads from its own metrics (`get`, `name`, `type`, ...).
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: () => Promise.resolve({ name, help, type, aggregator: 'sum', values: values() }),
      reset: () => this.routes.clear(),
    };
    registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  }
}
