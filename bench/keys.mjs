// In-process token verification through tessera's own codec, per signing
// algorithm: EdDSA, ES256 and RS256 next to HS256, each key made and loaded
// as the server's key ring makes and loads it (packages/server/dist).
//
//   npm run bench -- keys [--smoke]
//
// Two verifications per algorithm: `first sight` (a refresh token, never
// remembered: the signature is checked every time) and `remembered` (the same
// access token again: the codec's verified-token map answers). Every case runs
// once per round, in an order that rotates from round to round; the table
// shows the median ops/s over the rounds.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVER_DIST, fmtNumber, fmtRatio, isSmoke, machineLine, markdownTable, median } from './lib.mjs';

const SECRET = 'bench-secret-key-bench-secret-key-0123456789abcdef';
const ALGORITHMS = ['HS256', 'EdDSA', 'ES256', 'RS256'];
/** Distinct refresh tokens per algorithm: more than the codec remembers, though it never remembers refresh tokens. */
const DISTINCT = 2000;

const load = (file) => import(pathToFileURL(path.join(SERVER_DIST, file)).href);

function claims(type, i) {
  const iat = Math.floor(Date.now() / 1000);
  return {
    token_type: type,
    exp: iat + 3600,
    iat,
    jti: i.toString(16).padStart(32, '0'),
    user_id: '1',
    username: 'bench',
    sid: 'fedcba9876543210fedcba9876543210',
  };
}

/** Runs `fn(i)` for about `seconds` and returns ops/s. */
function timeSync(fn, seconds) {
  const budget = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let ops = 0;
  let elapsed = 0n;
  do {
    for (let i = 0; i < 200; i++) fn(ops + i);
    ops += 200;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return ops / (Number(elapsed) / 1e9);
}

async function cases() {
  const { createJwtCodec } = await load('tokens/jwt.js');
  const { generateSigningKey } = await load('keys/generate.js');
  const { loadKeys } = await load('keys/key-set.js');
  const settings = { refreshTokenTtlSeconds: 86_400, sessionMaxAgeSeconds: 2_592_000, leewaySeconds: 0 };
  const clock = { now: () => Date.now() };
  const list = [];
  for (const algorithm of ALGORITHMS) {
    const row = generateSigningKey(algorithm, SECRET, 'current', Date.now());
    const { set } = loadKeys([row], SECRET, settings, Date.now());
    const codec = createJwtCodec(() => set, clock);
    const refresh = Array.from({ length: DISTINCT }, (_, i) => codec.sign(claims('refresh', i)));
    const access = codec.sign(claims('access', 0));
    const sample = claims('access', 1);
    if (codec.verify(refresh[7]).jti !== claims('refresh', 7).jti) throw new Error(`${algorithm} does not verify`);
    list.push(
      { algorithm, op: 'verify, first sight', fn: (i) => codec.verify(refresh[i % DISTINCT]), size: refresh[0].length },
      { algorithm, op: 'verify, remembered', fn: () => codec.verify(access) },
      { algorithm, op: 'sign', fn: () => codec.sign(sample) },
    );
  }
  return list;
}

/** Runs the benchmark and returns { markdown, rows }; progress on stderr. */
export async function runKeysBench({ smoke = isSmoke() } = {}) {
  const seconds = smoke ? 0.1 : 0.5;
  const rounds = smoke ? 3 : Number(process.env.BENCH_KEYS_ROUNDS ?? 7);
  const list = await cases();
  const samples = new Map(list.map((c) => [c, []]));
  for (const c of list) timeSync(c.fn, seconds / 2);
  for (let round = 0; round < rounds; round++) {
    process.stderr.write(`keys: round ${round + 1}/${rounds}\r`);
    for (let i = 0; i < list.length; i++) {
      const c = list[(i + round) % list.length];
      samples.get(c).push(timeSync(c.fn, seconds));
    }
  }
  process.stderr.write('\n');
  const rows = list.map((c) => ({ ...c, median: median(samples.get(c)) }));
  const hs256 = (op) => rows.find((r) => r.algorithm === 'HS256' && r.op === op).median;
  const table = markdownTable(
    ['algorithm · operation', 'median ops/s', 'µs/op', 'vs HS256', 'token bytes'],
    rows.map((r) => [
      `${r.algorithm} · ${r.op}`,
      fmtNumber(r.median),
      (1e6 / r.median).toFixed(2),
      fmtRatio(r.median / hs256(r.op)),
      r.size === undefined ? '' : String(r.size),
    ]),
  );
  const header =
    `### Token verification per signing algorithm (tessera's codec)\n\n${machineLine()}\n\n` +
    `${rounds} interleaved rounds × ~${seconds} s per case; keys made and loaded as the key ring does ` +
    `(Ed25519, P-256, RSA 2048); one thread, no HTTP.\n`;
  return { markdown: `${header}\n${table}\n`, rows };
}
