// @tessera/verify's verify(): tessera access tokens of each algorithm, as a
// service behind tessera verifies them, on a remembered token (cache hit) and
// on tokens it has not seen (miss: the signature is computed).
//
//   npm run bench -- verify [--smoke]
//
// A local JWKS and a revocation feed that stays open stand in for tessera;
// one thread, no HTTP on the measured path. Rounds are interleaved; the table
// shows the median ops/s over the rounds.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, fmtNumber, isSmoke, machineLine, markdownTable, median } from './lib.mjs';

const VERIFY_DIR = path.join(ROOT, 'packages', 'verify');
const SECRET = 'bench-secret-key-bench-secret-key-0123456789abcdef';
const SERVICE = { name: 'bench', secret: 'bench' };
/** More tokens than the verified-signature cache holds (4096), so cycling through them always misses. */
const MISS_POOL = 4200;

async function timeAsync(fn, seconds) {
  const budget = seconds * 1000;
  const start = performance.now();
  let ops = 0;
  do {
    for (let i = 0; i < 50; i++) await fn(ops + i);
    ops += 50;
  } while (performance.now() - start < budget);
  return ops / ((performance.now() - start) / 1000);
}

function claims() {
  const iat = Math.floor(Date.now() / 1000);
  return {
    token_type: 'access',
    exp: iat + 3600,
    iat,
    jti: randomBytes(16).toString('hex'),
    user_id: '1',
    username: 'bench',
    sid: 'fedcba9876543210fedcba9876543210',
  };
}

function hs256(payload, kid) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', kid, typ: 'JWT' })}.${encode(payload)}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
}

/** A JWKS and a feed that says `ready` and stays open. */
async function startStandIn(jwks) {
  const streams = new Set();
  const server = createServer((request, response) => {
    if (request.url.endsWith('/.well-known/jwks.json')) {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
      return response.end(JSON.stringify({ keys: jwks }));
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('retry: 1000\n\nevent: ready\nid: 0\ndata: {"reset":false}\n\n');
    streams.add(response);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => {
      for (const stream of streams) stream.destroy();
      server.closeAllConnections();
      server.close();
    },
  };
}

export async function runVerifyBench({ smoke = isSmoke() } = {}) {
  const require = createRequire(path.join(VERIFY_DIR, 'package.json'));
  const jose = await import(pathToFileURL(require.resolve('jose')).href);
  const { createVerifier } = await import(pathToFileURL(path.join(VERIFY_DIR, 'dist', 'index.js')).href);
  const seconds = smoke ? 0.1 : 0.5;
  const rounds = smoke ? 2 : Number(process.env.BENCH_VERIFY_ROUNDS ?? 5);
  const pool = MISS_POOL;

  const jwks = [];
  const signers = {};
  for (const alg of ['EdDSA', 'ES256', 'RS256']) {
    const { privateKey, publicKey } = await jose.generateKeyPair(alg);
    const kid = `bench-${alg.toLowerCase()}`;
    jwks.push({ ...(await jose.exportJWK(publicKey)), kid, alg, use: 'sig' });
    signers[alg] = (payload) => new jose.SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(privateKey);
  }
  signers.HS256 = async (payload) => hs256(payload, 'bench-hs256');
  const standIn = await startStandIn(jwks);
  const asymmetric = createVerifier({ url: standIn.url, service: SERVICE });
  const shared = createVerifier({ url: standIn.url, service: SERVICE, secret: SECRET });
  await Promise.all([asymmetric.ready(), shared.ready()]);

  process.stderr.write('verify: signing tokens\n');
  const cases = [];
  for (const alg of ['EdDSA', 'ES256', 'RS256', 'HS256']) {
    const verifier = alg === 'HS256' ? shared : asymmetric;
    const one = await signers[alg](claims());
    const many = [];
    for (let i = 0; i < pool; i++) many.push(await signers[alg](claims()));
    await verifier.verify(one);
    cases.push({ name: `${alg} · hit`, fn: () => verifier.verify(one) });
    cases.push({ name: `${alg} · miss`, fn: (i) => verifier.verify(many[i % many.length]) });
  }

  const samples = new Map(cases.map((c) => [c, []]));
  for (let round = 0; round < rounds; round++) {
    process.stderr.write(`verify: round ${round + 1}/${rounds}\r`);
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + round) % cases.length];
      samples.get(c).push(await timeAsync(c.fn, seconds));
    }
  }
  process.stderr.write('\n');
  await Promise.all([asymmetric.close(), shared.close()]);
  standIn.close();

  const table = markdownTable(
    ['@tessera/verify verify() · alg · cache', 'median ops/s', 'µs/op'],
    cases.map((c) => {
      const m = median(samples.get(c));
      return [c.name, fmtNumber(m), (1e6 / m).toFixed(2)];
    }),
  );
  const header =
    `### @tessera/verify\n\n${machineLine()}\n\n` +
    `${rounds} interleaved rounds × ~${seconds} s per row; verify() awaited one call at a time; ` +
    `a miss cycles through ${pool} tokens (more than the 4096 remembered).\n`;
  return { markdown: `${header}\n${table}\n` };
}
