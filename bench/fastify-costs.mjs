// What the parts of a Fastify app cost per request, each alone on bare
// Fastify (bench/fastify-variant.mjs), in interleaved rounds: why tessera's
// /healthz, which does nothing, already serves fewer requests than bare
// Fastify, and what is left for the protected GET to close the gap.
//   npm run bench -- fastify-costs        (BENCH_ROUNDS, default 4; 3 s measured per round and server;
//                                          BENCH_VARIANTS, a comma-separated subset of the variants)
import path from 'node:path';
import {
  ROOT,
  fmtNumber,
  freePort,
  machineLine,
  markdownTable,
  startChild,
  stopChild,
  waitUntilServing,
} from './lib.mjs';
import { interleavedRounds } from './measure.mjs';

const VARIANTS = {
  plain: 'bare Fastify, no logger (the ceiling)',
  logger: 'a logger (pino at warn: nothing is written)',
  'on-response': 'an empty onResponse hook',
  'logger+on-response': 'a logger and an onResponse hook',
  'api-headers': "tessera's 7 headers for JSON answers",
  'document-headers': "helmet's 12 headers for pages",
};

async function startVariant(variant) {
  const port = await freePort();
  const label = VARIANTS[variant] ?? variant;
  const record = startChild(label, [path.join(ROOT, 'bench', 'fastify-variant.mjs')], {
    PORT: String(port),
    VARIANT: variant,
  });
  const server = { label, record, base: `http://127.0.0.1:${port}/` };
  await waitUntilServing(record, server.base);
  return server;
}

/**
 * Each variant against plain bare Fastify, in pairs: only the two run, in
 * interleaved rounds. (With all six alive at once, the later ones measured
 * 10 to 15 µs slower than in pairs, whatever they added.)
 */
export async function runFastifyCosts(autocannon, { rounds = 4, seconds = 3, connections = 32 } = {}) {
  const chosen = process.env.BENCH_VARIANTS?.split(',') ?? Object.keys(VARIANTS).filter((v) => v !== 'plain');
  const rows = [];
  for (const variant of chosen) {
    const servers = [];
    try {
      servers.push(await startVariant('plain'), await startVariant(variant));
      const totals = await interleavedRounds(autocannon, servers, {
        rounds,
        seconds,
        connections,
        label: 'fastify-costs',
        url: (server) => server.base,
        requests: () => [{ method: 'GET' }],
      });
      const [plain, added] = servers.map(
        (server) => (totals.get(server).cpuSeconds / totals.get(server).requests) * 1e6,
      );
      rows.push([servers[1].label, plain.toFixed(1), added.toFixed(1), (added - plain).toFixed(1)]);
    } finally {
      await Promise.all(servers.map((server) => stopChild(server.record)));
    }
  }
  return [
    '## What the parts of a Fastify app cost',
    '',
    machineLine(),
    '',
    `GET / answering {"ok":true}: bare Fastify against bare Fastify plus one thing, the two alone, in ${rounds} ` +
      `interleaved rounds of ${seconds} s each (after 1 s of warm-up), ${connections} connections. Server CPU µs/req.`,
    '',
    markdownTable(['bare Fastify plus', 'bare', 'plus it', 'added'], rows),
    '',
  ].join('\n');
}
