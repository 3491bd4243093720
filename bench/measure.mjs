// How bench/run.mjs measures: autocannon for throughput (closed loop, every
// connection sends its next request as soon as the last one is answered), a
// paced open-loop client for latency at a fixed rate, and the CPU and memory
// the servers use meanwhile (from /proc).
import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { processTree } from './lib.mjs';

const CORES = os.cpus().length;

export function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * One autocannon run: its result, our own latency samples (autocannon's
 * histogram keeps whole milliseconds only) and up to 3 sample failure bodies.
 */
export async function cannon(autocannon, url, { connections, duration, requests = [{}], connection }) {
  const failures = [];
  const latencies = [];
  const sampleFailures = (request) => ({
    ...request,
    onResponse(status, body, context, headers) {
      if ((status < 200 || status >= 300) && failures.length < 3) failures.push(`${status} ${body.slice(0, 200)}`);
      request.onResponse?.(status, body, context, headers);
    },
  });
  // Per-connection state (refresh chains): each autocannon client gets a slot.
  let nextSlot = 0;
  const setupClient = connection
    ? (client) => {
        const state = connection(nextSlot++);
        client.setRequests([
          sampleFailures({
            ...state.request(),
            setupRequest: (req) => ({ ...req, ...state.request() }),
            onResponse: (status, body) => state.onResponse(status, body),
          }),
        ]);
      }
    : undefined;
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration,
        timeout: 30,
        requests: requests.map(sampleFailures),
        setupClient,
      },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
  latencies.sort((a, b) => a - b);
  return {
    rps: result.requests.total / result.duration,
    completed: result.requests.total,
    duration: result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes: result.statusCodeStats,
    failures,
  };
}

/**
 * The closed loop of `cannon` on node:http, for servers that close the
 * connection after every answer (gunicorn's sync workers): autocannon writes
 * its next request into the closing socket, counts an error per request and
 * reconnects twice. Here each of `connections` loops sends a request on a
 * fresh connection as soon as the last one is answered. Same result shape.
 */
export async function closedLoop(url, { connections, duration, requests = [{}], connection }) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const failures = [];
  const latencies = [];
  const statusCodes = {};
  let errors = 0;
  let non2xx = 0;
  let completed = 0;
  const start = performance.now();
  const deadline = start + duration * 1000;
  const send = ({ method = 'GET', headers = {}, body }) =>
    new Promise((resolve) => {
      const req = http.request(url, { agent, method, headers: { ...headers }, timeout: 30_000 }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', () => resolve(undefined));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(undefined));
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: connections }, async (_, slot) => {
      const state = connection?.(slot);
      while (performance.now() < deadline) {
        const t = performance.now();
        const answer = await send(state ? state.request() : requests[0]);
        if (!answer) {
          errors++; // even after the end: a request that hung until its timeout is a failure
          continue;
        }
        if (performance.now() > deadline) break; // answered after the end: not counted, like autocannon
        completed++;
        statusCodes[answer.status] = (statusCodes[answer.status] ?? 0) + 1;
        if (answer.status >= 200 && answer.status < 300) latencies.push(performance.now() - t);
        else {
          non2xx++;
          if (failures.length < 3) failures.push(`${answer.status} ${answer.body.slice(0, 200)}`);
        }
        state?.onResponse(answer.status, answer.body);
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    rps: completed / duration,
    completed,
    duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    non2xx,
    errors,
    statusCodes,
    failures,
  };
}

/**
 * Sends `rate` requests a second for `seconds`, on a schedule that does not
 * wait for answers (open loop), over at most `connections` keep-alive
 * connections. Latency counts from when a request was due, not from when a
 * free connection let it go, so a server that falls behind shows its queue
 * (no coordinated omission). autocannon's own rate option sends each
 * second's quota in a burst, which measures a saturated server instead.
 * A request still unanswered after `timeoutSeconds` is abandoned and counted
 * in `timeouts`, with its wait as its latency (a lower bound): a server that
 * starves a request is slow, not broken. `sendLagP99` is how late this
 * process itself sent requests: when it is high, the machine starved the load
 * generator, and the latencies measure that too.
 */
export async function pacedLoad({
  url,
  rate,
  seconds,
  connections,
  method = 'GET',
  headers = {},
  body,
  timeoutSeconds = 10,
}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const latencies = [];
  const sendLags = [];
  const failures = [];
  const statusCodes = {};
  let errors = 0;
  let timeouts = 0;
  let non2xx = 0;
  let sent = 0;
  let settled = 0;
  const start = performance.now();
  await new Promise((resolve) => {
    const settle = () => {
      if (++settled === total) resolve();
    };
    const fire = (due) => {
      sendLags.push(performance.now() - due);
      let finished = false;
      const fail = () => {
        if (finished) return;
        finished = true;
        clearTimeout(abandon);
        errors++;
        settle();
      };
      const abandon = setTimeout(
        () => {
          if (finished) return;
          finished = true;
          timeouts++;
          latencies.push(performance.now() - due);
          req.destroy();
          settle();
        },
        timeoutSeconds * 1000 - (performance.now() - due),
      );
      const req = http.request(url, { agent, method, headers: { ...headers } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          if (finished) return;
          finished = true;
          clearTimeout(abandon);
          const ms = performance.now() - due;
          statusCodes[res.statusCode] = (statusCodes[res.statusCode] ?? 0) + 1;
          if (res.statusCode >= 200 && res.statusCode < 300) latencies.push(ms);
          else {
            non2xx++;
            if (failures.length < 3)
              failures.push(`${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 200)}`);
          }
          settle();
        });
      });
      req.on('error', fail);
      req.end(body);
    };
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (sent < due) fire(start + sent++ * interval);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const duration = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  sendLags.sort((a, b) => a - b);
  return {
    rps: (latencies.length - timeouts) / duration,
    sendLagP99: percentile(sendLags, 99),
    completed: latencies.length + non2xx,
    duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    non2xx,
    errors,
    timeouts,
    timeoutMs: timeoutSeconds * 1000,
    statusCodes,
    failures,
  };
}

/** CPU ticks: the whole machine's (busy and total) and each given process's. */
function cpuSnapshot(pids) {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
  const busy = user + nice + system + irq + softirq + (steal ?? 0);
  const procs = {};
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime + stime, and cutime + cstime: the CPU of reaped children (wrk, once it has exited) counts as their parent's
      procs[pid] = Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
    } catch {
      procs[pid] = 0;
    }
  }
  return { busy, total: busy + idle + iowait, procs };
}

/**
 * Starts a CPU measurement; `stop()` answers the CPU that `server`'s
 * processes used and the CPU that everything else used (both as a share of
 * one core, like top: 200% is the whole 2-core machine). "Everything else"
 * excludes this process and every process of `allServers`.
 */
export function cpuMeter(server, allServers) {
  if (!existsSync('/proc/stat')) return { stop: () => ({}) };
  const pidsNow = () => [
    process.pid,
    ...new Set(allServers.filter((s) => !s.record.exited).flatMap((s) => processTree(s.record.child.pid))),
  ];
  const pids = pidsNow();
  const before = cpuSnapshot(pids);
  return {
    stop() {
      const after = cpuSnapshot(pids);
      const ticks = (pid) => Math.max(0, after.procs[pid] - before.procs[pid]);
      const total = after.total - before.total;
      const ours = pids.reduce((sum, pid) => sum + ticks(pid), 0);
      const serverPids = new Set(processTree(server.record.child.pid));
      const serverTicks = pids.filter((pid) => serverPids.has(pid)).reduce((sum, pid) => sum + ticks(pid), 0);
      return {
        serverCpu: (serverTicks / total) * CORES,
        otherCpu: (Math.max(0, after.busy - before.busy - ours) / total) * CORES,
      };
    },
  };
}

/**
 * `measure(item, label)` for every item in each of `rounds` rounds, one item
 * after the other, in reverse order every other round, so that the machine's
 * drift falls on all alike. `label` names the round for progress lines ('' for
 * a single round). Answers each item's results, in round order.
 */
export async function alternatingRounds(items, rounds, measure) {
  const results = items.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = items.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    const label = rounds > 1 ? ` (round ${round + 1}/${rounds})` : '';
    for (const i of order) results[i].push(await measure(items[i], label));
  }
  return results;
}

/** The CPU share used by everything but this process during `fn` (for the argon2id ceiling). */
export async function otherCpuDuring(fn) {
  if (!existsSync('/proc/stat')) return { value: await fn() };
  const before = cpuSnapshot([process.pid]);
  const value = await fn();
  const after = cpuSnapshot([process.pid]);
  const ours = after.procs[process.pid] - before.procs[process.pid];
  return {
    value,
    otherCpu: (Math.max(0, after.busy - before.busy - ours) / (after.total - before.total)) * CORES,
  };
}
