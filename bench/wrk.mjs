// wrk (Debian's `wrk`) as the closed-loop load generator: written in C, it
// takes a smaller share of the two cores than autocannon, which runs in this
// Node process. The same result shape as measure.mjs's `cannon`.
//
// Each run gets a Lua script written for it. A stateless workload sends one
// fixed request. Refresh chains need state per connection: wrk gives each of
// its threads its own Lua state, so a chain run uses one thread per
// connection and keeps the chain's token in that thread.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * 'wrk' or 'autocannon', as `BENCH_LOAD_GENERATOR` says (`auto`, the
 * default, takes wrk when it is installed); exits with a message when wrk is
 * asked for and missing.
 */
export function chooseLoadGenerator(env = process.env) {
  const wanted = (env.BENCH_LOAD_GENERATOR ?? 'auto').trim().toLowerCase() || 'auto';
  if (!['auto', 'wrk', 'autocannon'].includes(wanted)) {
    console.error(`bench: BENCH_LOAD_GENERATOR=${JSON.stringify(wanted)}: use auto, wrk or autocannon`);
    process.exit(2);
  }
  if (wanted === 'autocannon') return 'autocannon';
  const installed = spawnSync('wrk', ['--version']).error === undefined;
  if (installed) return 'wrk';
  if (wanted === 'wrk') {
    console.error('bench: BENCH_LOAD_GENERATOR=wrk, but wrk is not installed (Debian: apt-get install -y wrk)');
    process.exit(2);
  }
  return 'autocannon';
}

/** A Lua long-bracket string literal: no escaping, whatever the text holds. */
function luaString(text) {
  let level = '';
  while (text.includes(`]${level}]`)) level += '=';
  return `[${level}[${text}]${level}]`;
}

const luaHeaders = (headers) =>
  `{${Object.entries(headers)
    .map(([name, value]) => `[ ${luaString(name)} ] = ${luaString(String(value))}`)
    .join(', ')}}`;

/** done(): one JSON line on stdout with everything the report needs. */
const DONE = `
function done(summary, latency, requests)
  local breaks, failure = 0, nil
  for _, t in ipairs(threads) do
    breaks = breaks + (t:get("breaks") or 0)
    failure = failure or t:get("failure")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"p50Us":%d,"p99Us":%d,"breaks":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), breaks))
  if failure then io.write("FAILURE " .. failure .. "\\n") end
end
`;

const THREADS = `
threads = {}
local next_slot = 0
function setup(thread)
  next_slot = next_slot + 1
  thread:set("slot", next_slot)
  table.insert(threads, thread)
end
`;

/** The script for one fixed request. Failures are counted by wrk; a sample body is fetched afterwards. */
function fixedRequestScript({ method = 'GET', headers = {}, body }) {
  return `${THREADS}
wrk.method = ${luaString(method)}
wrk.headers = ${luaHeaders(headers)}
${body === undefined ? '' : `wrk.body = ${luaString(body)}`}
${DONE}`;
}

/**
 * The script for chains: thread i starts from `tokens[i]` and sends each
 * answer's `field` back in its next request; a non-200 answer counts as a
 * break (and keeps the last token, as the autocannon driver does).
 */
function chainScript({ path: urlPath, tokens, field, headers }) {
  return `${THREADS}
local tokens = {${tokens.map(luaString).join(', ')}}
local headers = ${luaHeaders(headers)}
function init(args)
  token = tokens[((slot - 1) % #tokens) + 1]
  breaks = 0
end
function request()
  return wrk.format("POST", ${luaString(urlPath)}, headers, '{"${field}":"' .. token .. '"}')
end
function response(status, headers, body)
  if status == 200 then
    token = string.match(body, '"${field}"%s*:%s*"([^"]+)"') or token
  else
    breaks = breaks + 1
    if failure == nil then failure = status .. " " .. string.sub(body, 1, 200) end
  end
end
${DONE}`;
}

/** Runs wrk with `script`; answers its parsed done() line and a failure sample if it printed one. */
async function runWrk(url, script, { threads, connections, duration }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-wrk-'));
  const file = path.join(dir, 'script.lua');
  writeFileSync(file, script);
  try {
    // wrk takes whole seconds only
    const seconds = Math.max(1, Math.round(duration));
    const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '30s'];
    const child = spawn('wrk', [...args, '-s', file, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
    if (code !== 0 || line === undefined) throw new Error(`wrk exited with ${code}:\n${out.trim()}`);
    const failure = out.split('\n').find((l) => l.startsWith('FAILURE '));
    return { ...JSON.parse(line), failure: failure?.slice('FAILURE '.length) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** wrk's done() numbers in `cannon`'s result shape. */
function toResult(run, duration, sampleFailure, chain) {
  const errors = run.connect + run.read + run.write + run.timeout;
  const seconds = run.durationUs / 1e6 || duration;
  return {
    rps: run.requests / seconds,
    completed: run.requests,
    duration: seconds,
    p50: run.p50Us / 1000,
    p99: run.p99Us / 1000,
    non2xx: run.status,
    errors,
    statusCodes: { '2xx': run.requests - run.status, 'non-2xx': run.status },
    failures: sampleFailure ? [sampleFailure] : [],
    ...(chain ? { chainBreaks: run.breaks } : {}),
  };
}

/**
 * One wrk run, as `cannon(autocannon, url, options)`: `requests[0]` for a
 * fixed request, or `chain: { tokens, field }` for refresh chains. Latencies
 * are wrk's, for every answer (autocannon's driver kept 2xx only; a run with
 * failures is reported invalid anyway).
 */
export async function wrkRun(url, { connections, duration, requests = [{}], chain }) {
  const threads = chain ? connections : Math.min(connections, os.cpus().length);
  const script = chain
    ? chainScript({
        path: new URL(url).pathname,
        tokens: chain.tokens,
        field: chain.field,
        headers: { 'content-type': 'application/json' },
      })
    : fixedRequestScript(requests[0]);
  const run = await runWrk(url, script, { threads, connections, duration });
  let sample = run.failure;
  if (!chain && run.status > 0) {
    // wrk counts failed answers but does not keep them: ask once more to show one.
    const { method = 'GET', headers = {}, body } = requests[0];
    const res = await fetch(url, { method, headers, body }).catch((error) => ({
      status: 0,
      text: () => error.message,
    }));
    sample = `${res.status} ${(await res.text()).slice(0, 200)}`;
  }
  return toResult(run, duration, sample, chain !== undefined);
}
