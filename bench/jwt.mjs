// HS256 sign/verify micro-benchmark: fast-jwt (the library tessera's codec
// wraps) vs jose vs a hand-rolled node:crypto ceiling.
//
//   npm run bench -- jwt [--smoke]
//
// Every implementation runs once per round, in an order that rotates from
// round to round (interleaved), each loop ~0.5 s (0.1 s with --smoke); the
// table shows the median ops/s over the rounds and the ratio to fast-jwt.
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  fmtNumber,
  fmtPercent,
  fmtRatio,
  importFromServer,
  importOptional,
  isSmoke,
  machineLine,
  markdownTable,
  median,
} from './lib.mjs';

const SECRET = 'bench-secret-key-bench-secret-key-0123456789abcdef';

/** The claims tessera puts in an access token (see src/tokens/claims.ts). */
function accessClaims() {
  const iat = Math.floor(Date.now() / 1000);
  return {
    token_type: 'access',
    exp: iat + 3600,
    iat,
    jti: '0123456789abcdef0123456789abcdef',
    user_id: '1',
    username: 'bench',
    sid: 'fedcba9876543210fedcba9876543210',
  };
}

/** Runs `fn` (sync) for about `seconds`, in batches, and returns ops/s. */
function timeSync(fn, seconds) {
  const budget = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let ops = 0;
  let elapsed = 0n;
  let sink = 0;
  do {
    for (let i = 0; i < 200; i++) sink ^= fn().length | 0;
    ops += 200;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  if (sink === 0.5) console.log(sink); // keeps the results alive
  return ops / (Number(elapsed) / 1e9);
}

/** Same for an async `fn`, awaited one call at a time. */
async function timeAsync(fn, seconds) {
  const budget = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let ops = 0;
  let elapsed = 0n;
  let sink = 0;
  do {
    for (let i = 0; i < 50; i++) sink ^= (await fn()).length | 0;
    ops += 50;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  if (sink === 0.5) console.log(sink);
  return ops / (Number(elapsed) / 1e9);
}

/** The candidates: [{ op, name, async, fn, check }]. */
async function candidates(notes) {
  const { createSigner, createVerifier } = await importFromServer('fast-jwt');
  const jose = await importOptional('jose');

  const key = Buffer.from(SECRET, 'utf8');
  const claims = accessClaims();
  const fastSign = createSigner({ key, algorithm: 'HS256' });
  // The options tessera's codec gives fast-jwt (src/tokens/jwt.ts).
  const fastVerify = createVerifier({
    key,
    algorithms: ['HS256'],
    cache: false,
    ignoreExpiration: true,
    ignoreNotBefore: true,
  });

  // Hand-rolled HS256 with node:crypto: the least work a correct HS256 needs.
  const headerB64 = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const rawSign = (payload) => {
    const body = `${headerB64}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
  };
  const rawVerify = (token) => {
    const dot1 = token.indexOf('.');
    const dot2 = token.lastIndexOf('.');
    if (dot1 < 0 || dot2 === dot1 || token.slice(0, dot1) !== headerB64) throw new Error('bad header');
    const expected = createHmac('sha256', key).update(token.slice(0, dot2)).digest();
    const given = Buffer.from(token.slice(dot2 + 1), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('bad signature');
    return JSON.parse(Buffer.from(token.slice(dot1 + 1, dot2), 'base64url').toString('utf8'));
  };

  const token = fastSign(claims);
  const list = [
    { op: 'sign', name: 'fast-jwt', fn: () => fastSign(claims) },
    { op: 'sign', name: 'node:crypto (ceiling)', fn: () => rawSign(claims) },
    { op: 'verify', name: 'fast-jwt', fn: () => fastVerify(token).jti },
    { op: 'verify', name: 'node:crypto (ceiling)', fn: () => rawVerify(token).jti },
  ];

  if (jose) {
    const joseKey = new Uint8Array(key);
    list.push(
      {
        op: 'sign',
        name: 'jose (async)',
        async: true,
        fn: () => new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(joseKey),
      },
      {
        op: 'verify',
        name: 'jose (async)',
        async: true,
        fn: async () => (await jose.jwtVerify(token, joseKey, { algorithms: ['HS256'] })).payload.jti,
      },
    );
  } else {
    notes.push(
      'jose is not installed (it is not a tessera dependency), so its rows are skipped. ' +
        'To include it for one run: `npm install --no-save jose && npm run bench -- jwt`.',
    );
  }

  // Every implementation must produce or accept the same thing before it is timed.
  for (const c of list) {
    const out = c.async ? await c.fn() : c.fn();
    if (c.op === 'verify' && out !== claims.jti) throw new Error(`${c.name} verify returned ${out}`);
    if (c.op === 'sign') {
      const claimsBack = rawVerify(out);
      if (claimsBack.jti !== claims.jti) throw new Error(`${c.name} sign produced a token node:crypto rejects`);
    }
  }
  return { list, token };
}

/**
 * Runs the benchmark and returns { markdown, rows, notes }; prints progress
 * on stderr so stdout is just the result.
 */
export async function runJwtBench({ smoke = isSmoke() } = {}) {
  const seconds = smoke ? 0.1 : 0.5;
  const rounds = smoke ? 3 : Number(process.env.BENCH_JWT_ROUNDS ?? 7);
  const notes = [];
  const { list, token } = await candidates(notes);
  const samples = new Map(list.map((c) => [c, []]));

  // Warm-up: let V8 optimise every path before anything counts.
  for (const c of list) {
    if (c.async) await timeAsync(c.fn, seconds / 2);
    else timeSync(c.fn, seconds / 2);
  }

  for (let round = 0; round < rounds; round++) {
    process.stderr.write(`jwt: round ${round + 1}/${rounds}\r`);
    for (let i = 0; i < list.length; i++) {
      const c = list[(i + round) % list.length];
      samples.get(c).push(c.async ? await timeAsync(c.fn, seconds) : timeSync(c.fn, seconds));
    }
  }
  process.stderr.write('\n');

  const rows = list.map((c) => {
    const s = samples.get(c);
    return { op: c.op, name: c.name, median: median(s), min: Math.min(...s), max: Math.max(...s) };
  });
  const base = (op) => rows.find((r) => r.op === op && r.name === 'fast-jwt').median;
  const ceiling = (op) => rows.find((r) => r.op === op && r.name.startsWith('node:crypto')).median;
  rows.sort((a, b) => (a.op === b.op ? b.median - a.median : a.op.localeCompare(b.op)));

  const table = markdownTable(
    ['HS256 op · implementation', 'median ops/s', 'min–max ops/s', 'µs/op', 'vs fast-jwt', 'of ceiling'],
    rows.map((r) => [
      `${r.op} · ${r.name}`,
      fmtNumber(r.median),
      `${fmtNumber(r.min)}–${fmtNumber(r.max)}`,
      (1e6 / r.median).toFixed(2),
      fmtRatio(r.median / base(r.op)),
      fmtPercent(r.median / ceiling(r.op)),
    ]),
  );
  const header =
    `### JWT HS256 micro-benchmark\n\n${machineLine()}\n\n` +
    `${rounds} interleaved rounds × ~${seconds} s per implementation; a tessera access token ` +
    `(7 claims, ${token.length} bytes); one thread, no HTTP.\n`;
  const markdown = `${header}\n${table}\n${notes.map((n) => `\nNote: ${n}`).join('')}\n`;
  return { markdown, rows, notes };
}
