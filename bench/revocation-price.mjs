// What the revocation check costs (issue 4: at least 90%): GET /api/profile/
// on tessera against the same app that trusts a session once seen
// (tessera-unchecked.mjs), both on one SQLite file, in interleaved rounds in
// an alternating order, so that the machine's drift falls on both alike.
// Reports throughput and server CPU per request, summed over the rounds.
//   npm run bench -- revocation           (BENCH_ROUNDS, default 6; 4 s measured per round and server)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ROOT,
  SERVER_DIR,
  freePort,
  fmtNumber,
  fmtPercent,
  machineLine,
  markdownTable,
  startChild,
  stopChild,
  waitUntilServing,
} from './lib.mjs';

const TESSERA = path.join(SERVER_DIR, 'bin', 'tessera.js');
const PASSWORD = 'bench-password-not-a-secret';

/** CPU seconds the process has used so far (Linux). */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function runRevocationPrice(autocannon, { rounds = 6, seconds = 4, connections = 32 } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-revocation-'));
  const env = {
    DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`,
    TESSERA_SECRET_KEY: 'bench-only-secret-key-0123456789abcdef-0123456789',
    TESSERA_RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
  };
  execFileSync(process.execPath, [TESSERA, 'createuser', '--username', 'bench', '--password', PASSWORD], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  const [checkedPort, uncheckedPort] = [await freePort(), await freePort()];
  const servers = {
    checked: startChild('tessera', [TESSERA, 'serve'], { ...env, PORT: String(checkedPort) }),
    unchecked: startChild('tessera without the check', [path.join(ROOT, 'bench', 'tessera-unchecked.mjs')], {
      ...env,
      PORT: String(uncheckedPort),
    }),
  };
  const base = { checked: `http://127.0.0.1:${checkedPort}`, unchecked: `http://127.0.0.1:${uncheckedPort}` };
  try {
    await Promise.all(Object.keys(servers).map((key) => waitUntilServing(servers[key], `${base[key]}/healthz`)));
    const totals = { checked: { requests: 0, cpu: 0 }, unchecked: { requests: 0, cpu: 0 } };
    for (let round = 0; round < rounds; round++) {
      for (const key of round % 2 === 0 ? ['checked', 'unchecked'] : ['unchecked', 'checked']) {
        const login = await fetch(`${base[key]}/api/token/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'bench', password: PASSWORD }),
        });
        const { access } = await login.json();
        const run = (duration) =>
          new Promise((resolve, reject) =>
            autocannon(
              {
                url: `${base[key]}/api/profile/`,
                connections,
                duration,
                headers: { authorization: `Bearer ${access}` },
              },
              (error, result) => (error ? reject(error) : resolve(result)),
            ),
          );
        await run(1); // warm-up, discarded
        const before = cpuSeconds(servers[key].child.pid);
        const result = await run(seconds);
        if (result.non2xx + result.errors > 0)
          throw new Error(`${key}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        totals[key].requests += result.requests.total;
        totals[key].cpu += cpuSeconds(servers[key].child.pid) - before;
        process.stderr.write(
          `bench: revocation round ${round + 1}/${rounds} ${key}: ${fmtNumber(result.requests.average)} req/s\n`,
        );
      }
    }
    const perRequest = (key) => ((totals[key].cpu / totals[key].requests) * 1e6).toFixed(1);
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
          [
            'tessera (sessions from the revocation-aware cache)',
            fmtNumber(totals.checked.requests),
            perRequest('checked'),
          ],
          ['same app, sessions trusted once seen', fmtNumber(totals.unchecked.requests), perRequest('unchecked')],
        ],
      ),
      '',
      `With the check, tessera served ${fmtPercent(totals.checked.requests / totals.unchecked.requests)} of the requests (goal: at least 90%).`,
      '',
    ].join('\n');
  } finally {
    await Promise.all(Object.values(servers).map(stopChild));
    rmSync(dir, { recursive: true, force: true });
  }
}
