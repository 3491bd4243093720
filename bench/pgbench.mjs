// PostgreSQL's own ceiling for the refresh rows: `pgbench -N` (TPC-B without
// the updates of the two small tables: an update of one account row, a
// select and an insert per transaction, each committed durably) at the same
// client count as tessera's refresh chains on PostgreSQL. A refresh commits
// one transaction of about that size, so tessera's chains ÷ pgbench is how
// close tessera gets to what this PostgreSQL does on this machine.
import { spawn, spawnSync } from 'node:child_process';
import { createPgDatabase } from './targets.mjs';

/** Why pgbench cannot run here, or undefined when it can. */
export function pgbenchMissing() {
  const found = spawnSync('pgbench', ['--version'], { encoding: 'utf8' });
  return found.error ? 'pgbench not found (Debian: postgresql-client)' : undefined;
}

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn('pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`pgbench exited ${code}:\n${out}`))));
  });
}

/**
 * A pseudo-target for the report: a database of its own, initialised with
 * `pgbench -i` (scale 1), and `measure(label)` running `pgbench -N` with
 * `clients` clients for `seconds`.
 */
export async function pgbenchTarget({ name, clients, seconds }) {
  const { url } = await createPgDatabase(name);
  await run(['-i', '-q', url]);
  const label = `pgbench -N, ${clients} clients`;
  const target = { key: 'pgbench', label, pids: () => [], url: () => url, noServer: true };
  return {
    workload: 'pgceiling',
    target,
    name: label,
    async measure(round) {
      process.stderr.write(`bench: pgceiling · ${label}${round} …`);
      const out = await run([
        '-N',
        '-c',
        String(clients),
        '-j',
        '2',
        '-T',
        String(Math.max(1, Math.round(seconds))),
        url,
      ]);
      const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1]);
      if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${out}`);
      process.stderr.write(` ${Math.round(tps)} tps\n`);
      return { workload: 'pgceiling', target, name: label, rps: tps, non2xx: 0, errors: 0, failures: [] };
    },
  };
}
