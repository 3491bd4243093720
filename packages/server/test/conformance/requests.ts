// Sending one row's request to one server, and the test tokens a row can
// forge with the shared key (expired, without jti, for an unknown user …).
import { createHmac } from 'node:crypto';
import { SHARED_SECRET, USERS, type Target, type TokenPair, type UserName } from './targets.js';

/** What a server answered, with the headers the comparison looks at. */
export interface Answer {
  method: string;
  path: string;
  status: number;
  text: string;
  wwwAuthenticate: string | null;
  allow: string | null;
  /** Without scheme and host: Django's redirects name its own. */
  location: string | null;
}

export interface Request {
  method?: string;
  path: string;
  /** Sent as JSON with content type application/json. */
  json?: unknown;
  /** Sent as these bytes, with exactly the content type in `type` (none when it is undefined). */
  raw?: string;
  type?: string;
  /** The whole Authorization header. */
  auth?: string;
}

/** One row of the table: a request (or a few, only the last compared) sent to each server alone. */
export interface Row {
  /** Unique: the divergence list refers to rows by name. */
  name: string;
  run: (target: Target) => Promise<Answer>;
  /** Malformed JSON: only the `JSON parse error - ` prefix is compared (the rest is each parser's wording). */
  parseError?: true;
}

/** Sends `request` to `target`, following no redirect. */
export async function call(target: Target, request: Request): Promise<Answer> {
  const { method = 'POST', path, json, raw, type, auth } = request;
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (json !== undefined) {
    body = JSON.stringify(json);
    headers['content-type'] = type ?? 'application/json';
  } else if (raw !== undefined) {
    body = raw;
    if (type !== undefined) headers['content-type'] = type;
  }
  if (auth !== undefined) headers.authorization = auth;
  const response = await fetch(target.baseUrl + path, {
    method,
    headers,
    // Bytes, not a string: fetch would add a text/plain content type to a string.
    ...(body === undefined ? {} : { body: Buffer.from(body) }),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  return {
    method,
    path,
    status: response.status,
    text: await response.text(),
    wwwAuthenticate: response.headers.get('www-authenticate'),
    allow: response.headers.get('allow'),
    location: response.headers.get('location')?.replace(/^https?:\/\/[^/]+/, '') ?? null,
  };
}

/** A row that POSTs `json` to `path`. */
export const post =
  (path: string, json: unknown) =>
  (target: Target): Promise<Answer> =>
    call(target, { path, json });

/**
 * A pair of a new session of `username` on `target`: alice's come from the
 * logins made ahead ({@link logInAhead}) while there are any.
 */
export function login(target: Target, username: UserName = 'alice'): Promise<TokenPair> {
  return (username === 'alice' ? target.loginsAhead.shift() : undefined) ?? logInNow(target, username);
}

const sharedPairs = new WeakMap<Target, Promise<TokenPair>>();

/**
 * One session of alice's for the rows that only present one of its tokens
 * and spend nothing (a wrong method, a forged or wrong-type token): fewer
 * logins, each of which costs the peer a quarter second.
 */
export function sharedPair(target: Target): Promise<TokenPair> {
  const pair = sharedPairs.get(target) ?? login(target);
  sharedPairs.set(target, pair);
  return pair;
}

/**
 * Logs alice in `count` times on `target`, `lanes` at a time, without
 * waiting: the peer's PBKDF2 costs about a quarter second a login, so this
 * overlaps the rows that need none. Each pair is a session of its own, as if
 * made by the row that takes it.
 */
export function logInAhead(target: Target, count: number, lanes: number): void {
  const tails: Promise<unknown>[] = Array.from({ length: lanes }, () => Promise.resolve());
  for (let i = 0; i < count; i += 1) {
    const pair = (tails[i % lanes] as Promise<unknown>).then(() => logInNow(target, 'alice'));
    // One nobody takes (a run that failed early) must not be an unhandled rejection.
    pair.catch(() => undefined);
    tails[i % lanes] = pair.catch(() => undefined);
    target.loginsAhead.push(pair);
  }
}

async function logInNow(target: Target, username: UserName): Promise<TokenPair> {
  const answer = await call(target, { path: '/api/token/', json: { username, password: USERS[username].password } });
  if (answer.status !== 200)
    throw new Error(`${target.name}: login of ${username} failed: ${answer.status} ${answer.text}`);
  return JSON.parse(answer.text) as TokenPair;
}

/** The pair an earlier row kept under `key`; throws when that row did not run. */
export function kept(target: Target, key: string): TokenPair {
  const pair = target.pairs.get(key);
  if (pair === undefined) throw new Error(`${target.name}: no pair "${key}" (the row that keeps it failed?)`);
  return pair;
}

/** Authorization: Bearer <token>. */
export const bearer = (token: string) => `Bearer ${token}`;

// --- forged tokens, signed with the shared key ------------------------------------------

const base64url = (text: string) => Buffer.from(text).toString('base64url');
const hs256 = (input: string, key: string) => createHmac('sha256', key).update(input).digest('base64url');

/** A copy of `token` with its claims changed by `change`, signed again with `key`. */
function forge(token: string, change: (claims: Record<string, unknown>) => void, key = SHARED_SECRET): string {
  const [header = '', payload = ''] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(claims);
  const body = base64url(JSON.stringify(claims));
  return `${header}.${body}.${hs256(`${header}.${body}`, key)}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Expired ten minutes ago. */
export const expired = (token: string) =>
  forge(token, (claims) => {
    claims.iat = nowSeconds() - 900;
    claims.exp = nowSeconds() - 600;
  });
export const withoutJti = (token: string) => forge(token, (claims) => delete claims.jti);
export const withoutType = (token: string) => forge(token, (claims) => delete claims.token_type);
export const signedWithAnotherKey = (token: string) => forge(token, () => undefined, `${SHARED_SECRET}-not-the-key`);
export const forUnknownUser = (token: string) =>
  forge(token, (claims) => {
    claims.user_id = typeof claims.user_id === 'string' ? '999999' : 999999;
  });
/** The same claims under `{"alg":"none"}`, with an empty signature. */
export const algNone = (token: string) => `${base64url('{"alg":"none","typ":"JWT"}')}.${token.split('.')[1] ?? ''}.`;

/** A multipart/form-data body of `fields`. */
export function multipart(fields: Record<string, string>): { raw: string; type: string } {
  const boundary = 'conformanceboundary7MA4YWxk';
  let raw = '';
  for (const [name, value] of Object.entries(fields)) {
    raw += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  return { raw: `${raw}--${boundary}--\r\n`, type: `multipart/form-data; boundary=${boundary}` };
}
