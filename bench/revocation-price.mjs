// What the revocation check costs (issue 4: at least 90%): GET /api/profile/
// on tessera against the same app that trusts a session once seen
// (tessera-unchecked.mjs), both on one SQLite file, in interleaved rounds in
// an alternating order, so that the machine's drift falls on both alike.
// Reports throughput and server CPU per request, summed over the rounds.
//   npm run bench -- revocation           (BENCH_ROUNDS, default 6; 4 s measured per round and server)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, fmtNumber, fmtPercent, machineLine, markdownTable, stopChild } from './lib.mjs';
import { interleavedRounds } from './measure.mjs';
import { startTessera } from './targets.mjs';

export async function runRevocationPrice(autocannon, { rounds = 6, seconds = 4, connections = 32 } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-revocation-'));
  const databaseUrl = `sqlite:${path.join(dir, 'db.sqlite')}`;
  const checked = await startTessera({ key: 'checked', label: 'tessera', databaseUrl });
  const unchecked = await startTessera({
    key: 'unchecked',
    label: 'tessera without the revocation check',
    databaseUrl,
    script: path.join(ROOT, 'bench', 'tessera-unchecked.mjs'),
    createUser: false,
  });
  const servers = [checked, unchecked];
  try {
    const totals = await interleavedRounds(autocannon, servers, {
      rounds,
      seconds,
      connections,
      label: 'revocation',
      url: (server) => server.url(server.paths.profile),
      requests: async (server) => {
        const { access } = await server.tokens();
        return [{ method: 'GET', headers: { authorization: `Bearer ${access}` } }];
      },
    });
    const row = (server, name) => {
      const { requests, cpuSeconds } = totals.get(server);
      return [name, fmtNumber(requests), ((cpuSeconds / requests) * 1e6).toFixed(1)];
    };
    return [
      '## The price of the revocation check',
      '',
      machineLine(),
      '',
      `GET /api/profile/, ${rounds} interleaved rounds of ${seconds} s per server (after 1 s of warm-up each), ` +
        `${connections} connections, one SQLite file, rate limits off.`,
      '',
      markdownTable(
        ['server', 'requests', 'server CPU µs/req'],
        [
          row(checked, 'tessera (sessions from the revocation-aware cache)'),
          row(unchecked, 'same app, sessions trusted once seen'),
        ],
      ),
      '',
      `With the check, tessera served ${fmtPercent(totals.get(checked).requests / totals.get(unchecked).requests)} ` +
        'of the requests (goal: at least 90%).',
      '',
    ].join('\n');
  } finally {
    await Promise.all(servers.map((server) => stopChild(server.record)));
    rmSync(dir, { recursive: true, force: true });
  }
}
