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

/**
 * Counts requests and their latencies by route, method and status in plain
 * numbers, and writes them in Prometheus' text format only when `/metrics`
 * is read. prom-client's own counter and histogram hash their labels on every
 * observation, a cost the protected GET row of the benchmark shows (A/B in
 * docs/benchmarks.md, "Where the time goes").
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

  /** `tessera_http_requests_total` and `tessera_http_request_duration_seconds` in Prometheus' text format. */
  render(): string {
    const requests = 'tessera_http_requests_total';
    const duration = 'tessera_http_request_duration_seconds';
    const lines = [`# HELP ${requests} HTTP requests by route, method and status.`, `# TYPE ${requests} counter`];
    const all = [...this.routes.values()].flatMap((byMethod) => [...byMethod.values()]);
    for (const { route, method, byStatus } of all) {
      for (const [status, n] of byStatus) lines.push(`${requests}{${labels({ route, method, status })}} ${n}`);
    }
    lines.push(`# HELP ${duration} HTTP request latency by route and method.`, `# TYPE ${duration} histogram`);
    for (const { route, method, buckets, sum, count } of all) {
      let cumulative = 0;
      buckets.forEach((n, i) => {
        cumulative += n;
        const le = LATENCY_BUCKETS[i] ?? '+Inf';
        lines.push(`${duration}_bucket{${labels({ le, route, method })}} ${cumulative}`);
      });
      lines.push(`${duration}_sum{${labels({ route, method })}} ${sum}`);
      lines.push(`${duration}_count{${labels({ route, method })}} ${count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/** Label pairs with values escaped as Prometheus' text format requires (backslash, double quote, newline). */
function labels(pairs: Record<string, string | number>): string {
  return Object.entries(pairs)
    .map(([name, value]) => `${name}="${String(value).replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`)
    .join(',');
}
