/**
 * `/metrics` under `--workers`: the primary listens on `TESSERA_METRICS_PORT`
 * and asks every worker for its metrics at each scrape. Were each worker to
 * listen there itself, the port would be shared like the API's, and each
 * scrape would read one worker chosen in turn: counters would jump back and
 * forth. Each worker's series carry a `worker` label (its slot, 1 to N, kept
 * by its replacements), so that sums are `sum without (worker) (...)` and
 * per-process gauges (memory, event-loop lag) stay per process.
 */
import { createServer, type Server } from 'node:http';
import { errorTable } from '@tessera/protocol';

/** One worker's metrics in Prometheus' text format, and the slot it is labelled with. */
export interface WorkerMetrics {
  slot: number;
  text: string;
}

/**
 * The workers' metrics as one exposition: each family once, its `# HELP` and
 * `# TYPE` first, then every worker's samples with `worker="<slot>"` added.
 *
 * @example
 * ```ts
 * mergeMetrics([{ slot: 1, text: '# TYPE up gauge\nup 1\n' }, { slot: 2, text: '# TYPE up gauge\nup 1\n' }]);
 * // '# TYPE up gauge\nup{worker="1"} 1\nup{worker="2"} 1\n'
 * ```
 */
export function mergeMetrics(workers: readonly WorkerMetrics[]): string {
  const families = new Map<string, { comments: string[]; samples: string[] }>();
  for (const { slot, text } of workers) {
    let family: { comments: string[]; samples: string[] } | undefined;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const comment = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (comment !== null) {
        const name = comment[2]!;
        family = families.get(name);
        if (family === undefined) families.set(name, (family = { comments: [], samples: [] }));
        if (!family.comments.some((known) => known.startsWith(`# ${comment[1]!} `))) family.comments.push(line);
      } else if (!line.startsWith('#')) {
        family ??= { comments: [], samples: [] };
        family.samples.push(labelled(line, slot));
      }
    }
  }
  return [...families.values()].map(({ comments, samples }) => [...comments, ...samples].join('\n') + '\n').join('');
}

/** A sample line with `worker="<slot>"` as its first label. */
function labelled(sample: string, slot: number): string {
  const brace = sample.indexOf('{');
  const space = sample.indexOf(' ');
  if (brace !== -1 && (space === -1 || brace < space)) {
    const rest = sample.slice(brace + 1);
    return `${sample.slice(0, brace)}{worker="${slot}"${rest.startsWith('}') ? '' : ','}${rest}`;
  }
  return `${sample.slice(0, space)}{worker="${slot}"}${sample.slice(space)}`;
}

/** How long a scrape waits for the workers; a worker slower than this is left out of that scrape. */
export const SCRAPE_TIMEOUT_MS = 5000;

/**
 * Serves `GET /metrics` from `collect` (the primary's asking every worker)
 * at `host:port`. Resolves once listening.
 */
export async function serveClusterMetrics(
  address: { port: number; host: string },
  collect: () => Promise<WorkerMetrics[]>,
): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      const body = { detail: errorTable.not_found.detail, code: 'not_found' };
      return void response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }
    void collect().then((workers) => {
      response
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' })
        .end(mergeMetrics(workers));
    });
  });
  server.requestTimeout = SCRAPE_TIMEOUT_MS * 2;
  server.headersTimeout = SCRAPE_TIMEOUT_MS * 2;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
