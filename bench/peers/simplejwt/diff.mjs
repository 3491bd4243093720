#!/usr/bin/env node
// Differential test: tessera against a real SimpleJWT server.
//
// Starts tessera (built, from packages/server/dist) and the Django + DRF +
// SimpleJWT peer in this directory on two free ports, sends both the same
// table of requests, and compares status, JSON body (tokens and volatile values
// normalised, key order kept), WWW-Authenticate and Allow. Stateful rows run
// against each server separately with that server's own tokens.
//
//   bash bench/peers/simplejwt/setup.sh && node bench/peers/simplejwt/diff.mjs
//
// Node 20, fetch and built-in modules only. Always exits 0; the last line is
// "N same, N expected differences, N unexpected differences".
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..', '..');
const TESSERA_BIN = path.join(ROOT, 'packages', 'server', 'bin', 'tessera.js');
const PYTHON = '/usr/bin/python3';

/** One signing key for both servers, so the script can sign its own test tokens. */
const SECRET = crypto.randomBytes(36).toString('base64url');

const USERS = {
  alice: { password: 'correct-horse-1', first: 'Alice', last: 'Liddell', email: 'alice@example.com', active: true },
  bob: { password: 'correct-horse-2', first: 'Bob', last: '', email: 'bob@example.com', active: true },
  carol: { password: 'correct-horse-3', first: 'Carol', last: '', email: 'carol@example.com', active: false },
};

// ---------------------------------------------------------------------------
// processes

const children = [];
const tempDirs = [];

function cleanup() {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    try {
      process.kill(-child.pid, 'SIGTERM'); // its own process group: gunicorn's workers too
    } catch {
      try {
        child.kill('SIGTERM');
      } catch {
        // already gone
      }
    }
  }
  children.length = 0;
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.length = 0;
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    cleanup();
    process.exit(0);
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

function startDetached(command, args, env, logFile) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  children.push(child);
  return child;
}

async function waitForHttp(base, child, logFile, what, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      await fetch(`${base}/api/token/`, { method: 'GET', signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      await sleep(200);
    }
  }
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-3000) : '';
  throw new Error(`${what} did not start listening at ${base}.\n--- log tail ---\n${log}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startTessera() {
  if (!fs.existsSync(path.join(ROOT, 'packages', 'server', 'dist', 'cli', 'main.js'))) {
    throw new Error('packages/server/dist is missing: run `npm run build` in the repository root first.');
  }
  const dir = tempDir('tessera-diff-');
  const port = await freePort();
  const env = {
    ...process.env,
    TESSERA_SECRET_KEY: SECRET,
    DATABASE_URL: `sqlite:${path.join(dir, 'tessera.sqlite')}`,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  delete env.NODE_ENV;
  for (const [username, u] of Object.entries(USERS)) {
    const args = [TESSERA_BIN, 'createuser', '--username', username, '--password', u.password, '--email', u.email];
    args.push('--first-name', u.first);
    if (u.last) args.push('--last-name', u.last);
    if (!u.active) args.push('--inactive');
    const run = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`tessera createuser ${username} failed:\n${run.stderr}${run.stdout}`);
  }
  const logFile = path.join(dir, 'tessera.log');
  const child = startDetached(process.execPath, [TESSERA_BIN, 'serve'], env, logFile);
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(base, child, logFile, 'tessera');
  return { name: 'tessera', base, st: {} };
}

async function startPeer() {
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} not found: run bash bench/peers/simplejwt/setup.sh`);
  const check = spawnSync(PYTHON, ['-c', 'import django, rest_framework_simplejwt, gunicorn'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error('Django/SimpleJWT/gunicorn missing: run bash bench/peers/simplejwt/setup.sh');
  const dir = tempDir('simplejwt-diff-');
  const port = await freePort();
  const env = { ...process.env, PEER_SECRET_KEY: SECRET };
  const logFile = path.join(dir, 'peer.log');
  const child = startDetached('bash', [path.join(HERE, 'serve.sh'), String(port), dir], env, logFile);
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(base, child, logFile, 'the SimpleJWT peer');
  return { name: 'simplejwt', base, st: {} };
}

// ---------------------------------------------------------------------------
// requests

/**
 * Sends one request. `json` is serialised with content-type application/json;
 * `raw` (string) is sent as bytes with exactly the content-type in `type`
 * (none when `type` is undefined: fetch adds none to a byte body).
 */
async function call(srv, { method = 'POST', path: p, json, raw, type, auth, headers = {} }) {
  const h = { ...headers };
  let body;
  if (json !== undefined) {
    body = Buffer.from(JSON.stringify(json));
    h['content-type'] = type ?? 'application/json';
  } else if (raw !== undefined) {
    body = Buffer.from(raw);
    if (type !== undefined) h['content-type'] = type;
  } else if (type !== undefined) {
    h['content-type'] = type;
  }
  if (auth !== undefined) h.authorization = auth;
  const res = await fetch(srv.base + p, { method, headers: h, body, redirect: 'manual' });
  const text = await res.text();
  let parsed;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const location = res.headers.get('location');
  return {
    method,
    path: p,
    status: res.status,
    text,
    json: parsed,
    www: res.headers.get('www-authenticate'),
    allow: res.headers.get('allow'),
    location: location ? location.replace(/^https?:\/\/[^/]+/, '') : null,
    contentType: res.headers.get('content-type'),
  };
}

const post =
  (p, json, extra = {}) =>
  (s) =>
    call(s, { path: p, json, ...extra });

async function login(s, username = 'alice') {
  const r = await call(s, { path: '/api/token/', json: { username, password: USERS[username].password } });
  if (r.status !== 200) throw new Error(`${s.name}: login of ${username} failed: ${r.status} ${r.text}`);
  return r.json;
}

// test tokens signed with the shared key (or another one)
const b64 = (s) => Buffer.from(s).toString('base64url');
function sign(headerSeg, payloadSeg, key = SECRET) {
  return crypto.createHmac('sha256', key).update(`${headerSeg}.${payloadSeg}`).digest('base64url');
}
/** A copy of `token` with its payload changed by `mutate`, re-signed. */
function forge(token, mutate, key = SECRET) {
  const [h, p] = token.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  mutate(payload);
  const np = b64(JSON.stringify(payload));
  return `${h}.${np}.${sign(h, np, key)}`;
}
const now = () => Math.floor(Date.now() / 1000);
const expired = (t) => forge(t, (p) => ((p.iat = now() - 900), (p.exp = now() - 600)));
const noJti = (t) => forge(t, (p) => delete p.jti);
const noType = (t) => forge(t, (p) => delete p.token_type);
const otherKey = (t) => forge(t, () => {}, `${SECRET}-not-the-key`);
function algNone(t) {
  const [, p] = t.split('.');
  return `${b64('{"alg":"none","typ":"JWT"}')}.${p}.`;
}
const unknownUser = (t) => forge(t, (p) => (p.user_id = typeof p.user_id === 'string' ? '999999' : 999999));

function multipart(fields) {
  const boundary = 'diffboundary7MA4YWxk';
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    out += `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  }
  out += `--${boundary}--\r\n`;
  return { raw: out, type: `multipart/form-data; boundary=${boundary}` };
}

// ---------------------------------------------------------------------------
// the table

const ALICE = { username: 'alice', password: USERS.alice.password };
const FORM = 'application/x-www-form-urlencoded';

/** expectation helper: tessera answers `status` (and `body`, normalised, when given). */
function tesseraIs(status, body) {
  return (t) => t.status === status && (body === undefined || JSON.stringify(normBody(t)) === JSON.stringify(body));
}

const SLASH = 'contract: "Every path is served with and without its trailing slash" (Django redirects 301)';
const BEARER_CI = 'divergence 7 (Bearer scheme case-insensitive)';
const D1 = 'divergence 1 (single-use refresh)';
const D2 = 'divergence 2 (reuse revokes the whole session)';
const D3 = 'divergence 3 (revocation reaches access tokens)';
const D4 = 'divergence 4 (verify of a revoked token is 401 Token is blacklisted)';
const D5 = 'divergence 5 (no 500s)';
const REVOKING =
  'contract "Revoking is idempotent ... not a valid refresh token of the caller gets 400" (seed 002 view differs)';
const MISSING = 'contract "A missing field is the usual field error" (seed view differs)';
const BODIES = 'contract "Request bodies" (seed view swallows body errors in its try/except)';
const NULL_BODY = 'contract "Request bodies": a null body is "Invalid data. Expected a dictionary, but got NoneType."';
const ONLY_JSON_AND_FORM =
  'contract "Request bodies": only JSON and form-encoded are accepted (multipart too gets 415)';
const TYPED = 'contract "Tokens": every token carries token_type (only a holder of the key can mint one without)';
const NONE_TYPE_BODY = { non_field_errors: ['Invalid data. Expected a dictionary, but got NoneType.'] };
const REVOKE_ALL = 'contract table: revoke-all -> 200 (seed 002 loop re-parses already-blacklisted tokens)';

const rows = [];
const row = (name, run, opts = {}) => rows.push({ name, run, ...opts });

// --- log in: every path, with and without the slash --------------------------------
for (const p of ['/api/token/', '/api/auth/login/', '/api-token-auth/']) {
  row(`POST ${p} alice, right password`, post(p, ALICE));
  row(`POST ${p.slice(0, -1)} (no slash) alice`, post(p.slice(0, -1), ALICE), {
    expect: { cite: SLASH, check: tesseraIs(200) },
  });
}
row('login: wrong password', post('/api/token/', { username: 'alice', password: 'wrong-horse' }));
row('login: unknown user', post('/api/token/', { username: 'mallory', password: 'whatever-1' }));
row(
  'login: inactive user carol, right password',
  post('/api/token/', { username: 'carol', password: USERS.carol.password }),
);
row(
  'login: username with surrounding spaces',
  post('/api/token/', { username: '  alice  ', password: ALICE.password }),
);
row(
  'login: password with surrounding spaces',
  post('/api/token/', { username: 'alice', password: ` ${ALICE.password} ` }),
);
row('login: unknown fields ignored', post('/api/token/', { ...ALICE, remember: true, extra: [1] }));
row('login: alias /api/auth/login/ wrong password', post('/api/auth/login/', { username: 'alice', password: 'x' }));
row('login: alias /api-token-auth/ unknown user', post('/api-token-auth/', { username: 'nobody', password: 'x' }));

// --- field errors ---------------------------------------------------------------
const FIELD_CASES = [
  ['missing', undefined],
  ['blank ""', ''],
  ['whitespace "   "', '   '],
  ['null', null],
  ['object {}', { a: 1 }],
  ['array []', ['alice']],
  ['bool true', true],
  ['number 42', 42],
];
for (const field of ['username', 'password']) {
  for (const [label, value] of FIELD_CASES) {
    const body = { ...ALICE };
    if (value === undefined) delete body[field];
    else body[field] = value;
    row(`login: ${field} ${label}`, post('/api/token/', body));
  }
}
row('login: {} (both missing)', post('/api/token/', {}));
row('login: both null', post('/api/token/', { username: null, password: null }));
row('login: username [] and password missing (order)', post('/api/token/', { username: [] }));
row('login: password float 1.5', post('/api/token/', { username: 'alice', password: 1.5 }));
row('login alias /api/auth/login/: {}', post('/api/auth/login/', {}));
row('login alias /api-token-auth/: username blank', post('/api-token-auth/', { username: '', password: 'x' }));
for (const [label, value] of FIELD_CASES) {
  row(`refresh: refresh ${label}`, post('/api/token/refresh/', value === undefined ? {} : { refresh: value }));
}
row('verify: token missing', post('/api/token/verify/', {}));
row('verify: token null', post('/api/token/verify/', { token: null }));
row('verify: token array', post('/api/token/verify/', { token: ['x'] }));
row('verify: token whitespace', post('/api/token/verify/', { token: '  ' }));
row('blacklist: refresh missing', post('/api/token/blacklist/', {}));
row('blacklist: refresh bool', post('/api/token/blacklist/', { refresh: false }));
row('auth/refresh: refresh missing', post('/api/auth/refresh/', {}));

// --- bodies that are not objects, malformed, other media types ------------------
for (const [label, raw] of [
  ['list []', '[]'],
  ['list ["alice","x"]', '["alice","x"]'],
  ['str "alice"', '"alice"'],
  ['int 42', '42'],
  ['float 4.2', '4.2'],
  ['bool true', 'true'],
  ['bool false', 'false'],
  ['null', 'null'],
]) {
  row(
    `login: JSON ${label}`,
    (s) => call(s, { path: '/api/token/', raw, type: 'application/json' }),
    raw === 'null' ? { expect: { cite: NULL_BODY, check: tesseraIs(400, NONE_TYPE_BODY) } } : {},
  );
}
row('refresh: JSON list', (s) => call(s, { path: '/api/token/refresh/', raw: '[1]', type: 'application/json' }));
row('verify: JSON str', (s) => call(s, { path: '/api/token/verify/', raw: '"abc"', type: 'application/json' }));
row('blacklist: JSON null', (s) => call(s, { path: '/api/token/blacklist/', raw: 'null', type: 'application/json' }), {
  expect: { cite: NULL_BODY, check: tesseraIs(400, NONE_TYPE_BODY) },
});
for (const [label, raw] of [
  ['truncated object', '{"username": "alice",'],
  ['single quotes', "{'username': 'alice'}"],
  ['bare word', 'nope'],
  ['trailing comma', '{"username":"alice","password":"x",}'],
]) {
  row(`login: malformed JSON, ${label}`, (s) => call(s, { path: '/api/token/', raw, type: 'application/json' }), {
    parseError: true,
  });
}
row('refresh: malformed JSON', (s) => call(s, { path: '/api/token/refresh/', raw: '{', type: 'application/json' }), {
  parseError: true,
});
row('login: application/json, empty body', (s) => call(s, { path: '/api/token/', raw: '', type: 'application/json' }));
row('login: application/json; charset=utf-8', (s) =>
  call(s, { path: '/api/token/', raw: JSON.stringify(ALICE), type: 'application/json; charset=utf-8' }),
);
row('login: form-encoded, right password', (s) =>
  call(s, { path: '/api/token/', raw: `username=alice&password=${ALICE.password}`, type: FORM }),
);
row('login: form-encoded, empty body', (s) => call(s, { path: '/api/token/', raw: '', type: FORM }));
row('login: form-encoded, blank username', (s) =>
  call(s, { path: '/api/token/', raw: 'username=&password=x', type: FORM }),
);
row('login: form-encoded, wrong password', (s) =>
  call(s, { path: '/api/auth/login/', raw: 'username=alice&password=nope', type: FORM }),
);
row('login: text/plain', (s) => call(s, { path: '/api/token/', raw: JSON.stringify(ALICE), type: 'text/plain' }));
row('login: application/xml', (s) => call(s, { path: '/api/token/', raw: '<a/>', type: 'application/xml' }));
row('refresh: text/plain', (s) => call(s, { path: '/api/token/refresh/', raw: 'x', type: 'text/plain' }));
row('login: no content type, JSON body', (s) => call(s, { path: '/api/token/', raw: JSON.stringify(ALICE) }));
row('login: no content type, empty body', (s) => call(s, { path: '/api/token/', raw: '' }));
row('login: multipart/form-data, right password', (s) => call(s, { path: '/api/token/', ...multipart(ALICE) }), {
  expect: { cite: ONLY_JSON_AND_FORM, check: (t) => t.status === 415 },
});

// --- wrong methods --------------------------------------------------------------
for (const [method, p] of [
  ['GET', '/api/token/'],
  ['PUT', '/api/token/'],
  ['PATCH', '/api/token/'],
  ['DELETE', '/api/token/'],
  ['GET', '/api/token/refresh/'],
  ['GET', '/api/token/verify/'],
  ['GET', '/api/token/blacklist/'],
  ['GET', '/api/auth/login/'],
  ['GET', '/api/auth/refresh/'],
  ['GET', '/api-token-auth/'],
]) {
  row(`${method} ${p}`, (s) => call(s, { method, path: p }));
}
row('GET /api/token/revoke/ without auth', (s) => call(s, { method: 'GET', path: '/api/token/revoke/' }));
row('GET /api/token/revoke/ with auth', async (s) => {
  const t = await login(s);
  return call(s, { method: 'GET', path: '/api/token/revoke/', auth: `Bearer ${t.access}` });
});
row('GET /api/token/revoke-all/ with auth', async (s) => {
  const t = await login(s);
  return call(s, { method: 'GET', path: '/api/token/revoke-all/', auth: `Bearer ${t.access}` });
});
row('GET /api/auth/logout/ without auth', (s) => call(s, { method: 'GET', path: '/api/auth/logout/' }));
row('GET /api/auth/logout/ with auth', async (s) => {
  const t = await login(s);
  return call(s, { method: 'GET', path: '/api/auth/logout/', auth: `Bearer ${t.access}` });
});
row('POST /api/profile/ with auth', async (s) => {
  const t = await login(s);
  return call(s, { method: 'POST', path: '/api/profile/', auth: `Bearer ${t.access}`, json: {} });
});
row('DELETE /api/profile/ with auth', async (s) => {
  const t = await login(s);
  return call(s, { method: 'DELETE', path: '/api/profile/', auth: `Bearer ${t.access}` });
});
row('POST /api/profile/ without auth', (s) => call(s, { method: 'POST', path: '/api/profile/', json: {} }));
row('HEAD /api/profile/ with auth (function view: no HEAD)', async (s) => {
  const t = await login(s);
  return call(s, { method: 'HEAD', path: '/api/profile/', auth: `Bearer ${t.access}` });
});
row('OPTIONS /api/token/', (s) => call(s, { method: 'OPTIONS', path: '/api/token/' }), { options: true });

// --- refresh --------------------------------------------------------------------
row('refresh: valid refresh token (rotates)', async (s) => {
  s.st.r1 = await login(s);
  const r = await call(s, { path: '/api/token/refresh/', json: { refresh: s.st.r1.refresh } });
  s.st.r2 = r.json;
  s.st.rotatedAt = Date.now();
  return r;
});
row(
  'refresh: reuse of the rotated token at once',
  (s) => call(s, { path: '/api/token/refresh/', json: { refresh: s.st.r1.refresh } }),
  { expect: { cite: `${D1}: grace window answers the same pair`, check: tesseraIs(200) } },
);
row('refresh: alias /api/auth/refresh/ valid', async (s) => {
  const t = await login(s);
  return call(s, { path: '/api/auth/refresh/', json: { refresh: t.refresh } });
});
row('refresh: form-encoded valid', async (s) => {
  const t = await login(s);
  return call(s, { path: '/api/token/refresh/', raw: `refresh=${t.refresh}`, type: FORM });
});
for (const p of ['/api/token/refresh', '/api/auth/refresh']) {
  row(
    `POST ${p} (no slash) valid`,
    async (s) => {
      const t = await login(s);
      return call(s, { path: p, json: { refresh: t.refresh } });
    },
    { expect: { cite: SLASH, check: tesseraIs(200) } },
  );
}
row('refresh: with an access token', async (s) => {
  const t = await login(s);
  return call(s, { path: '/api/token/refresh/', json: { refresh: t.access } });
});
row('refresh: garbage "not-a-token"', post('/api/token/refresh/', { refresh: 'not-a-token' }));
row('refresh: garbage "a.b.c"', post('/api/token/refresh/', { refresh: 'a.b.c' }));
row('refresh: expired (signed with the key)', async (s) => {
  const t = await login(s);
  return call(s, { path: '/api/token/refresh/', json: { refresh: expired(t.refresh) } });
});
row('refresh: signed with another key', async (s) => {
  const t = await login(s);
  return call(s, { path: '/api/token/refresh/', json: { refresh: otherKey(t.refresh) } });
});
row('refresh: alg none', async (s) => {
  const t = await login(s);
  return call(s, { path: '/api/token/refresh/', json: { refresh: algNone(t.refresh) } });
});
row('refresh: no token_type claim', async (s) => {
  const t = await login(s);
  return call(s, { path: '/api/token/refresh/', json: { refresh: noType(t.refresh) } });
});
row(
  'refresh: no jti claim',
  async (s) => {
    const t = await login(s);
    return call(s, { path: '/api/token/refresh/', json: { refresh: noJti(t.refresh) } });
  },
  { expect: { cite: `${D5}: SimpleJWT 500s on a token without jti`, check: (t) => t.status === 401 } },
);

// --- verify ---------------------------------------------------------------------
row('verify: access token', async (s) => {
  s.st.v = await login(s);
  return call(s, { path: '/api/token/verify/', json: { token: s.st.v.access } });
});
row('verify: refresh token', (s) => call(s, { path: '/api/token/verify/', json: { token: s.st.v.refresh } }));
row(
  'verify: POST /api/token/verify (no slash)',
  (s) => call(s, { path: '/api/token/verify', json: { token: s.st.v.access } }),
  {
    expect: { cite: SLASH, check: tesseraIs(200, {}) },
  },
);
row('verify: garbage', post('/api/token/verify/', { token: 'garbage' }));
row('verify: expired (signed with the key)', (s) =>
  call(s, { path: '/api/token/verify/', json: { token: expired(s.st.v.access) } }),
);
row('verify: signed with another key', (s) =>
  call(s, { path: '/api/token/verify/', json: { token: otherKey(s.st.v.access) } }),
);
row('verify: no jti claim', (s) => call(s, { path: '/api/token/verify/', json: { token: noJti(s.st.v.access) } }));
row(
  'verify: no token_type claim',
  (s) => call(s, { path: '/api/token/verify/', json: { token: noType(s.st.v.access) } }),
  { expect: { cite: TYPED, check: tesseraIs(401, { detail: 'Token has no type', code: 'token_not_valid' }) } },
);
row('verify: form-encoded access token', (s) =>
  call(s, { path: '/api/token/verify/', raw: `token=${s.st.v.access}`, type: FORM }),
);
row(
  'verify: refresh token already rotated',
  (s) => call(s, { path: '/api/token/verify/', json: { token: s.st.r1.refresh } }),
  {
    expect: { cite: D4, check: tesseraIs(401, { detail: 'Token is blacklisted', code: 'token_not_valid' }) },
  },
);

// --- blacklist ------------------------------------------------------------------
row('blacklist: valid refresh token', async (s) => {
  s.st.bl = await login(s);
  return call(s, { path: '/api/token/blacklist/', json: { refresh: s.st.bl.refresh } });
});
row('blacklist: the same token again', (s) =>
  call(s, { path: '/api/token/blacklist/', json: { refresh: s.st.bl.refresh } }),
);
row('refresh: blacklisted token', (s) => call(s, { path: '/api/token/refresh/', json: { refresh: s.st.bl.refresh } }));
row(
  'verify: blacklisted refresh token',
  (s) => call(s, { path: '/api/token/verify/', json: { token: s.st.bl.refresh } }),
  {
    expect: { cite: D4, check: tesseraIs(401, { detail: 'Token is blacklisted', code: 'token_not_valid' }) },
  },
);
row(
  'profile: access token of the blacklisted session',
  (s) => call(s, { method: 'GET', path: '/api/profile/', auth: `Bearer ${s.st.bl.access}` }),
  { expect: { cite: D3, check: (t) => t.status === 401 } },
);
row('blacklist: with an access token', async (s) => {
  const t = await login(s);
  return call(s, { path: '/api/token/blacklist/', json: { refresh: t.access } });
});
row('blacklist: garbage', post('/api/token/blacklist/', { refresh: 'garbage' }));
row(
  'POST /api/token/blacklist (no slash) valid',
  async (s) => {
    const t = await login(s);
    return call(s, { path: '/api/token/blacklist', json: { refresh: t.refresh } });
  },
  { expect: { cite: SLASH, check: tesseraIs(200, {}) } },
);

// --- reuse after the grace window (sleeps until 11 s after the rotation) -------------
row('refresh: reuse of the rotated token after 11 s', async (s) => {
  const wait = s.st.rotatedAt + 11_000 - Date.now();
  if (wait > 0) await sleep(wait);
  return call(s, { path: '/api/token/refresh/', json: { refresh: s.st.r1.refresh } });
});
row(
  'refresh: its successor after the reuse',
  (s) => call(s, { path: '/api/token/refresh/', json: { refresh: s.st.r2.refresh } }),
  {
    expect: { cite: D2, check: tesseraIs(401, { detail: 'Token is blacklisted', code: 'token_not_valid' }) },
  },
);
row(
  'profile: successor access token after the reuse',
  (s) => call(s, { method: 'GET', path: '/api/profile/', auth: `Bearer ${s.st.r2.access}` }),
  { expect: { cite: `${D2}, ${D3}`, check: (t) => t.status === 401 } },
);

// --- revoke-all for bob, before any of bob's tokens is blacklisted (the seed 002 view
// stops at the first already-blacklisted token; see the alice row at the end)
row('revoke-all: bob (only fresh logins)', async (s) => {
  s.st.bobAll = await login(s, 'bob');
  s.st.bobOther = await login(s, 'bob');
  return call(s, { path: '/api/token/revoke-all/', auth: `Bearer ${s.st.bobAll.access}` });
});
row("refresh: bob's token after revoke-all", (s) =>
  call(s, { path: '/api/token/refresh/', json: { refresh: s.st.bobOther.refresh } }),
);
row(
  "profile: bob's access token after revoke-all",
  (s) => call(s, { method: 'GET', path: '/api/profile/', auth: `Bearer ${s.st.bobOther.access}` }),
  { expect: { cite: D3, check: (t) => t.status === 401 } },
);

// --- revoke (Bearer) ------------------------------------------------------------
row('revoke: no Authorization', post('/api/token/revoke/', { refresh: 'x' }));
row('revoke: own refresh token of another session', async (s) => {
  s.st.rvAuth = await login(s);
  s.st.rvTarget = await login(s);
  return call(s, {
    path: '/api/token/revoke/',
    auth: `Bearer ${s.st.rvAuth.access}`,
    json: { refresh: s.st.rvTarget.refresh },
  });
});
row(
  'revoke: the same token again',
  (s) =>
    call(s, {
      path: '/api/token/revoke/',
      auth: `Bearer ${s.st.rvAuth.access}`,
      json: { refresh: s.st.rvTarget.refresh },
    }),
  { expect: { cite: REVOKING, check: tesseraIs(200, { message: 'Token revoked successfully' }) } },
);
row(
  "revoke: foreign (bob's) refresh token",
  async (s) => {
    const bob = await login(s, 'bob');
    return call(s, {
      path: '/api/token/revoke/',
      auth: `Bearer ${s.st.rvAuth.access}`,
      json: { refresh: bob.refresh },
    });
  },
  { expect: { cite: REVOKING, check: tesseraIs(400, { error: 'Invalid token' }) } },
);
row('revoke: garbage token', (s) =>
  call(s, { path: '/api/token/revoke/', auth: `Bearer ${s.st.rvAuth.access}`, json: { refresh: 'garbage' } }),
);
row('revoke: an access token as refresh', (s) =>
  call(s, { path: '/api/token/revoke/', auth: `Bearer ${s.st.rvAuth.access}`, json: { refresh: s.st.rvAuth.access } }),
);
row(
  'revoke: refresh missing',
  (s) => call(s, { path: '/api/token/revoke/', auth: `Bearer ${s.st.rvAuth.access}`, json: {} }),
  {
    expect: { cite: MISSING, check: tesseraIs(400, { refresh: ['This field is required.'] }) },
  },
);
row(
  'revoke: JSON list body',
  (s) =>
    call(s, { path: '/api/token/revoke/', auth: `Bearer ${s.st.rvAuth.access}`, raw: '[]', type: 'application/json' }),
  {
    expect: {
      cite: BODIES,
      check: tesseraIs(400, { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] }),
    },
  },
);
row(
  'revoke: text/plain body',
  (s) => call(s, { path: '/api/token/revoke/', auth: `Bearer ${s.st.rvAuth.access}`, raw: 'x', type: 'text/plain' }),
  { expect: { cite: BODIES, check: (t) => t.status === 415 } },
);
row('revoke: refresh token as Bearer', (s) =>
  call(s, {
    path: '/api/token/revoke/',
    auth: `Bearer ${s.st.rvAuth.refresh}`,
    json: { refresh: s.st.rvAuth.refresh },
  }),
);
row(
  'revoke: access token of the revoked session as Bearer',
  (s) => call(s, { path: '/api/token/revoke/', auth: `Bearer ${s.st.rvTarget.access}`, json: { refresh: 'x' } }),
  { expect: { cite: D3, check: (t) => t.status === 401 } },
);
row(
  'POST /api/token/revoke (no slash) own token',
  async (s) => {
    const t = await login(s);
    return call(s, { path: '/api/token/revoke', auth: `Bearer ${s.st.rvAuth.access}`, json: { refresh: t.refresh } });
  },
  { expect: { cite: SLASH, check: tesseraIs(200, { message: 'Token revoked successfully' }) } },
);

// --- logout (Bearer, 205) -------------------------------------------------------
row('logout: no Authorization', post('/api/auth/logout/', { refresh: 'x' }));
row('logout: own refresh token of another session', async (s) => {
  s.st.loAuth = await login(s);
  s.st.loTarget = await login(s);
  return call(s, {
    path: '/api/auth/logout/',
    auth: `Bearer ${s.st.loAuth.access}`,
    json: { refresh: s.st.loTarget.refresh },
  });
});
row(
  'logout: the same token again',
  (s) =>
    call(s, {
      path: '/api/auth/logout/',
      auth: `Bearer ${s.st.loAuth.access}`,
      json: { refresh: s.st.loTarget.refresh },
    }),
  { expect: { cite: REVOKING, check: tesseraIs(205) } },
);
row(
  "logout: foreign (bob's) refresh token",
  async (s) => {
    const bob = await login(s, 'bob');
    return call(s, { path: '/api/auth/logout/', auth: `Bearer ${s.st.loAuth.access}`, json: { refresh: bob.refresh } });
  },
  { expect: { cite: REVOKING, check: tesseraIs(400, { error: 'Invalid token' }) } },
);
row('logout: garbage token', (s) =>
  call(s, { path: '/api/auth/logout/', auth: `Bearer ${s.st.loAuth.access}`, json: { refresh: 'garbage' } }),
);
row(
  'logout: refresh missing',
  (s) => call(s, { path: '/api/auth/logout/', auth: `Bearer ${s.st.loAuth.access}`, json: {} }),
  {
    expect: { cite: MISSING, check: tesseraIs(400, { refresh: ['This field is required.'] }) },
  },
);
row('logout: form-encoded own token', async (s) => {
  const t = await login(s);
  return call(s, {
    path: '/api/auth/logout/',
    auth: `Bearer ${s.st.loAuth.access}`,
    raw: `refresh=${t.refresh}`,
    type: FORM,
  });
});
row('logout: own token, then refresh with it', async (s) => {
  const t = await login(s);
  await call(s, { path: '/api/auth/logout/', auth: `Bearer ${s.st.loAuth.access}`, json: { refresh: t.refresh } });
  return call(s, { path: '/api/token/refresh/', json: { refresh: t.refresh } });
});
row(
  'POST /api/auth/logout (no slash) own token',
  async (s) => {
    const t = await login(s);
    return call(s, { path: '/api/auth/logout', auth: `Bearer ${s.st.loAuth.access}`, json: { refresh: t.refresh } });
  },
  { expect: { cite: SLASH, check: tesseraIs(205) } },
);

// --- profile --------------------------------------------------------------------
row('profile: valid Bearer', async (s) => {
  s.st.p = await login(s);
  return call(s, { method: 'GET', path: '/api/profile/', auth: `Bearer ${s.st.p.access}` });
});
row('profile: bob', async (s) => {
  const t = await login(s, 'bob');
  return call(s, { method: 'GET', path: '/api/profile/', auth: `Bearer ${t.access}` });
});
row(
  'GET /api/profile (no slash) valid Bearer',
  (s) => call(s, { method: 'GET', path: '/api/profile', auth: `Bearer ${s.st.p.access}` }),
  { expect: { cite: `${SLASH}; seed 004 calls /api/profile`, check: tesseraIs(200) } },
);
row('profile: no Authorization header', (s) => call(s, { method: 'GET', path: '/api/profile/' }));
row('profile: empty Authorization header', (s) => call(s, { method: 'GET', path: '/api/profile/', auth: '' }));
row('profile: Basic credentials', (s) =>
  call(s, {
    method: 'GET',
    path: '/api/profile/',
    auth: `Basic ${Buffer.from('alice:correct-horse-1').toString('base64')}`,
  }),
);
row('profile: "Token <access>" (DRF TokenAuthentication style)', (s) =>
  call(s, { method: 'GET', path: '/api/profile/', auth: `Token ${s.st.p.access}` }),
);
row('profile: "Bearer" alone', (s) => call(s, { method: 'GET', path: '/api/profile/', auth: 'Bearer' }));
row('profile: "Bearer a b"', (s) => call(s, { method: 'GET', path: '/api/profile/', auth: 'Bearer a b' }));
row('profile: "Bearer  <access>" (two spaces)', (s) =>
  call(s, { method: 'GET', path: '/api/profile/', auth: `Bearer  ${s.st.p.access}` }),
);
row(
  'profile: "bearer <access>" lower case',
  (s) => call(s, { method: 'GET', path: '/api/profile/', auth: `bearer ${s.st.p.access}` }),
  { expect: { cite: BEARER_CI, check: tesseraIs(200) } },
);
row(
  'profile: "BEARER <access>" upper case',
  (s) => call(s, { method: 'GET', path: '/api/profile/', auth: `BEARER ${s.st.p.access}` }),
  { expect: { cite: BEARER_CI, check: tesseraIs(200) } },
);
row('profile: Bearer garbage', (s) => call(s, { method: 'GET', path: '/api/profile/', auth: 'Bearer garbage' }));
row('profile: Bearer refresh token', (s) =>
  call(s, { method: 'GET', path: '/api/profile/', auth: `Bearer ${s.st.p.refresh}` }),
);
row('profile: Bearer expired access token', (s) =>
  call(s, { method: 'GET', path: '/api/profile/', auth: `Bearer ${expired(s.st.p.access)}` }),
);
row('profile: Bearer access signed with another key', (s) =>
  call(s, { method: 'GET', path: '/api/profile/', auth: `Bearer ${otherKey(s.st.p.access)}` }),
);
row('profile: Bearer access without jti', (s) =>
  call(s, { method: 'GET', path: '/api/profile/', auth: `Bearer ${noJti(s.st.p.access)}` }),
);
row('profile: Bearer access without token_type', (s) =>
  call(s, { method: 'GET', path: '/api/profile/', auth: `Bearer ${noType(s.st.p.access)}` }),
);
row(
  'profile: Bearer access, unknown user_id',
  (s) => call(s, { method: 'GET', path: '/api/profile/', auth: `Bearer ${unknownUser(s.st.p.access)}` }),
  {
    note: 'token re-signed with the server key: the user_id no longer matches the session (tessera\'s stand-in for "user deleted")',
  },
);

// --- revoke-all (last: it ends alice's and bob's sessions) -----------------------
row('revoke-all: no Authorization', (s) => call(s, { path: '/api/token/revoke-all/', json: {} }));
row(
  'POST /api/token/revoke-all (no slash) bob',
  async (s) => {
    const t = await login(s, 'bob');
    return call(s, { path: '/api/token/revoke-all', auth: `Bearer ${t.access}` });
  },
  { expect: { cite: SLASH, check: tesseraIs(200, { message: 'All tokens revoked successfully' }) } },
);
row(
  'revoke-all: alice (after rotations and blacklisting)',
  async (s) => {
    const t = await login(s);
    return call(s, { path: '/api/token/revoke-all/', auth: `Bearer ${t.access}` });
  },
  { expect: { cite: REVOKE_ALL, check: tesseraIs(200, { message: 'All tokens revoked successfully' }) } },
);

// ---------------------------------------------------------------------------
// normalising and comparing

const JWT_RE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
function normValue(v) {
  if (typeof v === 'string') {
    return JWT_RE.test(v)
      ? '<jwt>'
      : v.replace(/Expected available in \d+ seconds?/, 'Expected available in N seconds');
  }
  if (Array.isArray(v)) return v.map(normValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normValue(x)]));
  return v;
}
function normBody(r, rowDef = {}) {
  if (r.json === undefined) return r.text === '' ? '' : { '<non-JSON>': r.text.slice(0, 80) };
  let body = normValue(r.json);
  if (rowDef.parseError && body && typeof body.detail === 'string' && body.detail.startsWith('JSON parse error - ')) {
    body = { ...body, detail: 'JSON parse error - …' };
  }
  if (rowDef.options && body && typeof body === 'object') {
    // name and description come from each backend's own view classes and docstrings
    body = { ...body };
    if ('name' in body) body.name = '…';
    if ('description' in body) body.description = '…';
  }
  return body;
}
const normAllow = (a) =>
  a === null
    ? null
    : a
        .split(',')
        .map((m) => m.trim().toUpperCase())
        .filter(Boolean)
        .sort()
        .join(', ');

/**
 * What a row compares. Allow is part of it on 405 answers and OPTIONS (where
 * the contract speaks of it); DRF's habit of adding Allow to every answer is
 * checked once, across all rows, as a separate finding.
 */
function signature(r, rowDef) {
  const useAllow = r.status === 405 || r.method === 'OPTIONS';
  return {
    status: r.status,
    body: JSON.stringify(normBody(r, rowDef)),
    www: r.www,
    allow: useAllow ? normAllow(r.allow) : '(not compared)',
    location: r.location,
  };
}
const sigText = (s) =>
  `${s.status} ${s.body}` +
  (s.www ? ` [WWW-Authenticate: ${s.www}]` : '') +
  (s.allow !== '(not compared)' && s.allow !== null ? ` [Allow: ${s.allow}]` : '') +
  (s.location ? ` [Location: ${s.location}]` : '');

/** SimpleJWT 5.2.2 (Debian) says "Token is invalid or expired" where the latest says one or the other. */
function toOldWording(sig) {
  return { ...sig, body: sig.body.replace(/"Token is (invalid|expired)"/g, '"Token is invalid or expired"') };
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const OLD_WORDING =
  'contract preamble: latest SimpleJWT wording "Token is invalid"/"Token is expired" (Debian 5.2.2 says "Token is invalid or expired")';

function sortedKeys(text) {
  try {
    const v = JSON.parse(text);
    const sortDeep = (x) =>
      Array.isArray(x)
        ? x.map(sortDeep)
        : x && typeof x === 'object'
          ? Object.fromEntries(
              Object.keys(x)
                .sort()
                .map((k) => [k, sortDeep(x[k])]),
            )
          : x;
    return JSON.stringify(sortDeep(v));
  } catch {
    return text;
  }
}

function judge(rowDef, t, s) {
  const ts = signature(t, rowDef);
  const ss = signature(s, rowDef);
  const contractMiss = rowDef.expect !== undefined && !rowDef.expect.check(t);
  if (same(ts, ss)) return { verdict: 'SAME', contractMiss };
  const notes = rowDef.note ? [rowDef.note] : [];
  if (ts.body !== ss.body && sortedKeys(ts.body) === sortedKeys(ss.body))
    notes.push('same keys and values, different key order');
  if (rowDef.expect && !contractMiss) return { verdict: 'EXPECTED-DIFFERENCE', cite: rowDef.expect.cite, notes };
  if (same(toOldWording(ts), ss)) return { verdict: 'EXPECTED-DIFFERENCE', cite: OLD_WORDING, notes };
  if (contractMiss) notes.push(`tessera does not give the answer the contract states (${rowDef.expect.cite})`);
  return { verdict: 'DIFFERENT', notes, contractMiss };
}

// ---------------------------------------------------------------------------
// output

const clip = (s, n) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
const pad = (s, n) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
function brief(r, rowDef) {
  const sig = signature(r, rowDef);
  let text = `${sig.status} ${sig.body === '""' ? '(empty)' : sig.body}`;
  if (sig.location) text += ` → ${sig.location}`;
  return text;
}

async function main() {
  console.log(`tessera vs SimpleJWT: ${rows.length} rows`);
  let tessera;
  let peer;
  try {
    [tessera, peer] = await Promise.all([startTessera(), startPeer()]);
  } catch (error) {
    console.log(`could not start the servers: ${error.message}`);
    console.log(`0 same, 0 expected differences, 0 unexpected differences`);
    return;
  }
  const pv = spawnSync(
    PYTHON,
    [
      '-c',
      'import django,rest_framework;from importlib.metadata import version as v;print(django.get_version(), rest_framework.__version__, v("djangorestframework-simplejwt"))',
    ],
    { encoding: 'utf8' },
  );
  console.log(
    `tessera ${tessera.base}   simplejwt ${peer.base} (Django, DRF, SimpleJWT: ${pv.stdout.trim() || '?'})\n`,
  );

  const results = [];
  const allowOnOther = { tessera: 0, simplejwt: 0, total: 0, example: null };
  for (const [i, rowDef] of rows.entries()) {
    const out = {};
    for (const srv of [tessera, peer]) {
      try {
        out[srv.name] = await rowDef.run(srv);
      } catch (error) {
        out[srv.name] = {
          method: '?',
          status: 0,
          text: `client error: ${error.message}`,
          json: undefined,
          www: null,
          allow: null,
          location: null,
        };
      }
    }
    const t = out.tessera;
    const s = out.simplejwt;
    if (t.status !== 405 && s.status !== 405 && t.method !== 'OPTIONS' && t.status !== 0 && s.status !== 0) {
      allowOnOther.total += 1;
      if (t.allow !== null) allowOnOther.tessera += 1;
      if (s.allow !== null) {
        allowOnOther.simplejwt += 1;
        allowOnOther.example ??= `${s.method} ${s.path} -> ${s.status} with Allow: ${s.allow}`;
      }
    }
    results.push({ n: i + 1, rowDef, t, s, ...judge(rowDef, t, s) });
  }

  // systematic finding: Allow on answers other than 405 / OPTIONS
  const systematic = [];
  if (allowOnOther.tessera !== allowOnOther.simplejwt) {
    systematic.push({
      name: 'Allow header on non-405, non-OPTIONS answers (all rows)',
      verdict: 'DIFFERENT',
      t: `${allowOnOther.tessera}/${allowOnOther.total} answers carry Allow`,
      s: `${allowOnOther.simplejwt}/${allowOnOther.total} answers carry Allow`,
      notes: [`e.g. simplejwt ${allowOnOther.example}; DRF adds Allow to every response of an APIView`],
    });
  } else {
    systematic.push({
      name: 'Allow header on non-405, non-OPTIONS answers (all rows)',
      verdict: 'SAME',
      t: `${allowOnOther.tessera}/${allowOnOther.total}`,
      s: `${allowOnOther.simplejwt}/${allowOnOther.total}`,
      notes: [],
    });
  }

  const W = { n: 4, name: 46, col: 44 };
  const line = (n, name, a, b, v) =>
    `${pad(String(n), W.n)} ${pad(clip(name, W.name), W.name)} | ${pad(clip(a, W.col), W.col)} | ${pad(clip(b, W.col), W.col)} | ${v}`;
  console.log(line('#', 'request', 'tessera', 'simplejwt', 'verdict'));
  console.log('-'.repeat(W.n + W.name + 2 * W.col + 24));
  for (const r of results) console.log(line(r.n, r.rowDef.name, brief(r.t, r.rowDef), brief(r.s, r.rowDef), r.verdict));
  for (const [i, r] of systematic.entries()) console.log(line(`S${i + 1}`, r.name, r.t, r.s, r.verdict));

  const notSame = results.filter((r) => r.verdict !== 'SAME');
  if (notSame.length > 0 || systematic.some((r) => r.verdict !== 'SAME')) {
    console.log('\nDetails of every row that is not SAME (bodies normalised: tokens -> "<jwt>"):');
    for (const r of notSame) {
      console.log(`\n#${r.n} ${r.rowDef.name}  =>  ${r.verdict}${r.cite ? `  [${r.cite}]` : ''}`);
      console.log(`   request:   ${r.t.method} ${r.t.path}`);
      console.log(`   tessera:   ${sigText(signature(r.t, r.rowDef))}`);
      console.log(`   simplejwt: ${sigText(signature(r.s, r.rowDef))}`);
      for (const note of r.notes ?? []) console.log(`   note: ${note}`);
    }
    for (const [i, r] of systematic.entries()) {
      if (r.verdict === 'SAME') continue;
      console.log(`\nS${i + 1} ${r.name}  =>  ${r.verdict}`);
      console.log(`   tessera:   ${r.t}`);
      console.log(`   simplejwt: ${r.s}`);
      for (const note of r.notes) console.log(`   note: ${note}`);
    }
  }

  // rows where tessera answers like SimpleJWT although the contract says it differs there
  const misses = results.filter((r) => r.verdict === 'SAME' && r.contractMiss);
  if (misses.length > 0) {
    console.log('\nSAME as SimpleJWT, but the contract says tessera answers differently here:');
    for (const r of misses) {
      console.log(`\n#${r.n} ${r.rowDef.name}  [${r.rowDef.expect.cite}]`);
      console.log(`   request:   ${r.t.method} ${r.t.path}`);
      console.log(`   tessera:   ${sigText(signature(r.t, r.rowDef))}`);
      console.log(`   simplejwt: ${sigText(signature(r.s, r.rowDef))}`);
    }
  }

  const all = [...results, ...systematic];
  const count = (v) => all.filter((r) => r.verdict === v).length;
  console.log(
    `\ncontract checks: ${misses.length} SAME rows where the contract says tessera should differ (listed above)`,
  );
  console.log(
    `${count('SAME')} same, ${count('EXPECTED-DIFFERENCE')} expected differences, ${count('DIFFERENT')} unexpected differences`,
  );
}

/** Asks every server to stop, waits up to 10 s, then kills what is left. */
async function stopAll() {
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = running.map((c) => new Promise((resolve) => c.once('exit', resolve)));
  for (const c of running) {
    try {
      process.kill(-c.pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  await Promise.race([Promise.all(exited), sleep(10_000)]);
  for (const c of running) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  cleanup();
}

try {
  await main();
} catch (error) {
  console.log(`diff aborted: ${error?.stack ?? error}`);
  console.log('0 same, 0 expected differences, 0 unexpected differences');
} finally {
  await stopAll();
}
process.exit(0);
