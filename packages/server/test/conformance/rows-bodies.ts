// Rows that need no token: logging in on every path, field errors, bodies
// that are not objects or not JSON, media types, and methods a path does not serve.
import { USERS } from './targets.js';
import { bearer, call, multipart, post, sharedPair, type Row } from './requests.js';

const ALICE = { username: 'alice', password: USERS.alice.password };
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/** Each value a string field can be given, and how the row names it. */
const FIELD_VALUES: readonly (readonly [string, unknown])[] = [
  ['missing', undefined],
  ['blank ""', ''],
  ['whitespace "   "', '   '],
  ['null', null],
  ['object {}', { a: 1 }],
  ['array []', ['alice']],
  ['bool true', true],
  ['number 42', 42],
];

function loginRows(): Row[] {
  const rows: Row[] = [];
  for (const path of ['/api/token/', '/api/auth/login/', '/api-token-auth/']) {
    rows.push({ name: `POST ${path} alice, right password`, run: post(path, ALICE) });
    rows.push({ name: `POST ${path.slice(0, -1)} (no slash) alice`, run: post(path.slice(0, -1), ALICE) });
  }
  const wrong = (username: string, password: string) => ({ username, password });
  rows.push(
    { name: 'login: wrong password', run: post('/api/token/', wrong('alice', 'wrong-horse')) },
    { name: 'login: unknown user', run: post('/api/token/', wrong('mallory', 'whatever-1')) },
    {
      name: 'login: inactive user carol, right password',
      run: post('/api/token/', wrong('carol', USERS.carol.password)),
    },
    { name: 'login: username with surrounding spaces', run: post('/api/token/', { ...ALICE, username: '  alice  ' }) },
    {
      name: 'login: password with surrounding spaces',
      run: post('/api/token/', { ...ALICE, password: ` ${ALICE.password} ` }),
    },
    { name: 'login: unknown fields ignored', run: post('/api/token/', { ...ALICE, remember: true, extra: [1] }) },
    { name: 'login: alias /api/auth/login/ wrong password', run: post('/api/auth/login/', wrong('alice', 'x')) },
    { name: 'login: alias /api-token-auth/ unknown user', run: post('/api-token-auth/', wrong('nobody', 'x')) },
  );
  return rows;
}

function fieldErrorRows(): Row[] {
  const rows: Row[] = [];
  for (const field of ['username', 'password'] as const) {
    for (const [label, value] of FIELD_VALUES) {
      const body: Record<string, unknown> = { ...ALICE };
      if (value === undefined) delete body[field];
      else body[field] = value;
      rows.push({ name: `login: ${field} ${label}`, run: post('/api/token/', body) });
    }
  }
  rows.push(
    { name: 'login: {} (both missing)', run: post('/api/token/', {}) },
    { name: 'login: both null', run: post('/api/token/', { username: null, password: null }) },
    { name: 'login: username [] and password missing (order)', run: post('/api/token/', { username: [] }) },
    { name: 'login: password float 1.5', run: post('/api/token/', { username: 'alice', password: 1.5 }) },
    { name: 'login alias /api/auth/login/: {}', run: post('/api/auth/login/', {}) },
    {
      name: 'login alias /api-token-auth/: username blank',
      run: post('/api-token-auth/', { username: '', password: 'x' }),
    },
  );
  for (const [label, value] of FIELD_VALUES) {
    rows.push({
      name: `refresh: refresh ${label}`,
      run: post('/api/token/refresh/', value === undefined ? {} : { refresh: value }),
    });
  }
  rows.push(
    { name: 'verify: token missing', run: post('/api/token/verify/', {}) },
    { name: 'verify: token null', run: post('/api/token/verify/', { token: null }) },
    { name: 'verify: token array', run: post('/api/token/verify/', { token: ['x'] }) },
    { name: 'verify: token whitespace', run: post('/api/token/verify/', { token: '  ' }) },
    { name: 'blacklist: refresh missing', run: post('/api/token/blacklist/', {}) },
    { name: 'blacklist: refresh bool', run: post('/api/token/blacklist/', { refresh: false }) },
    { name: 'auth/refresh: refresh missing', run: post('/api/auth/refresh/', {}) },
  );
  return rows;
}

function bodyRows(): Row[] {
  const raw = (path: string, text: string, type?: string) => (target: Parameters<Row['run']>[0]) =>
    call(target, { path, raw: text, ...(type === undefined ? {} : { type }) });
  const rows: Row[] = [];
  const notObjects = [
    ['list []', '[]'],
    ['list ["alice","x"]', '["alice","x"]'],
    ['str "alice"', '"alice"'],
    ['int 42', '42'],
    ['float 4.2', '4.2'],
    ['bool true', 'true'],
    ['bool false', 'false'],
    ['null', 'null'],
  ];
  for (const [label = '', text = ''] of notObjects) {
    rows.push({ name: `login: JSON ${label}`, run: raw('/api/token/', text, JSON_TYPE) });
  }
  rows.push(
    { name: 'refresh: JSON list', run: raw('/api/token/refresh/', '[1]', JSON_TYPE) },
    { name: 'verify: JSON str', run: raw('/api/token/verify/', '"abc"', JSON_TYPE) },
    { name: 'blacklist: JSON null', run: raw('/api/token/blacklist/', 'null', JSON_TYPE) },
  );
  const malformed = [
    ['truncated object', '{"username": "alice",'],
    ['single quotes', "{'username': 'alice'}"],
    ['bare word', 'nope'],
    ['trailing comma', '{"username":"alice","password":"x",}'],
  ];
  for (const [label = '', text = ''] of malformed) {
    rows.push({ name: `login: malformed JSON, ${label}`, run: raw('/api/token/', text, JSON_TYPE), parseError: true });
  }
  const form = `username=alice&password=${ALICE.password}`;
  rows.push(
    { name: 'refresh: malformed JSON', run: raw('/api/token/refresh/', '{', JSON_TYPE), parseError: true },
    { name: 'login: application/json, empty body', run: raw('/api/token/', '', JSON_TYPE) },
    {
      name: 'login: application/json; charset=utf-8',
      run: raw('/api/token/', JSON.stringify(ALICE), `${JSON_TYPE}; charset=utf-8`),
    },
    { name: 'login: form-encoded, right password', run: raw('/api/token/', form, FORM) },
    { name: 'login: form-encoded, empty body', run: raw('/api/token/', '', FORM) },
    { name: 'login: form-encoded, blank username', run: raw('/api/token/', 'username=&password=x', FORM) },
    { name: 'login: form-encoded, wrong password', run: raw('/api/auth/login/', 'username=alice&password=nope', FORM) },
    { name: 'login: text/plain', run: raw('/api/token/', JSON.stringify(ALICE), 'text/plain') },
    { name: 'login: application/xml', run: raw('/api/token/', '<a/>', 'application/xml') },
    { name: 'refresh: text/plain', run: raw('/api/token/refresh/', 'x', 'text/plain') },
    { name: 'login: no content type, JSON body', run: raw('/api/token/', JSON.stringify(ALICE)) },
    { name: 'login: no content type, empty body', run: raw('/api/token/', '') },
    {
      name: 'login: multipart/form-data, right password',
      run: (target) => call(target, { path: '/api/token/', ...multipart(ALICE) }),
    },
  );
  return rows;
}

function methodRows(): Row[] {
  const rows: Row[] = [];
  const unauthenticated = [
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
    ['GET', '/api/token/revoke/'],
    ['GET', '/api/auth/logout/'],
    ['POST', '/api/profile/'],
  ];
  for (const [method = '', path = ''] of unauthenticated) {
    rows.push({
      name: `${method} ${path} without auth`,
      run: (target) => call(target, { method, path, ...(method === 'POST' ? { json: {} } : {}) }),
    });
  }
  const authenticated = [
    ['GET', '/api/token/revoke/'],
    ['GET', '/api/token/revoke-all/'],
    ['GET', '/api/auth/logout/'],
    ['POST', '/api/profile/'],
    ['DELETE', '/api/profile/'],
    ['HEAD', '/api/profile/'],
  ];
  for (const [method = '', path = ''] of authenticated) {
    rows.push({
      name: `${method} ${path} with auth`,
      run: async (target) =>
        call(target, {
          method,
          path,
          auth: bearer((await sharedPair(target)).access),
          ...(method === 'POST' ? { json: {} } : {}),
        }),
    });
  }
  rows.push({ name: 'OPTIONS /api/token/', run: (target) => call(target, { method: 'OPTIONS', path: '/api/token/' }) });
  return rows;
}

/** Every row of this module, in order. */
export function bodyAndMethodRows(): Row[] {
  return [...loginRows(), ...fieldErrorRows(), ...bodyRows(), ...methodRows()];
}
