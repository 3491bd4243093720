/**
 * A stand-in for tessera's verification wire (packages/protocol/src/verification.ts),
 * on a real node:http server: the JWKS, tokens signed as tessera signs them,
 * and the revocation feed as SSE (`Last-Event-ID`) and JSON (`?since=`),
 * behind HTTP Basic. The integrator replaces it with the real server.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { RevocationFeedEvent, RevocationFeedKind, RevocationFeedPage, SigningAlgorithm } from '@tessera/protocol';

export type AsymmetricAlgorithm = Exclude<SigningAlgorithm, 'HS256'>;
export const ASYMMETRIC_ALGORITHMS: readonly AsymmetricAlgorithm[] = ['EdDSA', 'ES256', 'RS256'];

export const SERVICE = { name: 'notes', secret: 'notes-service-secret' } as const;
export const HS_SECRET = 'a-shared-secret-of-at-least-thirty-two-characters';
/** 2026-01-01T00:00:00Z, the manual clocks' start. */
export const T0 = Date.UTC(2026, 0, 1);

interface SigningKey {
  alg: AsymmetricAlgorithm;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface StandInOptions {
  /** The path prefix tessera is served under; default `/auth/`. */
  prefix?: string;
  /** The `retry:` the feed sends, in ms; default 20 (tessera sends 1000). */
  retryMs?: number;
}

export interface StandIn {
  /** The base URL to give createVerifier (prefix included). */
  readonly url: string;
  readonly keys: Map<string, SigningKey>;
  /** How many times the JWKS was served (or refused while down). */
  jwksFetches: number;
  /** Last-Event-ID (or since) of each authenticated feed request, in order, refused ones too; '' for none. */
  readonly feedRequests: string[];
  /** The number of open SSE streams. */
  openStreams(): number;
  addKey(alg: AsymmetricAlgorithm, kid?: string): Promise<string>;
  /** Drop a key from the JWKS (a rotation). */
  unpublish(kid: string): void;
  jwksDown: boolean;
  feedDown: boolean;
  /** Signs `claims` as tessera does: header `{alg, kid, typ:'JWT'}`, plus `extraHeader`. */
  sign(kid: string, claims: Record<string, unknown>, extraHeader?: Record<string, unknown>): Promise<string>;
  /** An HS256 token with tessera's shared secret. */
  signHs256(claims: Record<string, unknown>, kid?: string): string;
  /** Appends to the log and pushes to every open stream. */
  emit(kind: RevocationFeedKind, target: string, at: number): RevocationFeedEvent;
  /** Ends every open stream (tessera restarting). */
  dropStreams(): void;
  /** Forgets the log before now: a cursor older than this gets `reset` with `reset_at`. */
  truncate(resetAt: number): void;
  close(): Promise<void>;
}

/** tessera's claims for an access token issued at `nowMs`, five minutes long. */
export function accessClaims(nowMs: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = Math.floor(nowMs / 1000);
  return {
    token_type: 'access',
    exp: iat + 300,
    iat,
    jti: randomBytes(16).toString('hex'),
    user_id: '42',
    username: 'alice',
    sid: 'a'.repeat(32),
    permissions: ['notes.view'],
    role: 'editor',
    is_staff: false,
    is_superuser: false,
    ...overrides,
  };
}

/** A compact JWS from parts, for forgeries. */
export function compact(header: object, payload: object, signature: Buffer | string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const sig = typeof signature === 'string' ? signature : signature.toString('base64url');
  return `${encode(header)}.${encode(payload)}.${sig}`;
}

/** HS256 over `header.payload` with `key`, as an attacker would. */
export function hmacForge(header: object, payload: object, key: Buffer | string): string {
  const unsigned = compact(header, payload, '').slice(0, -1);
  return `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const prefix = options.prefix ?? '/auth/';
  const retryMs = options.retryMs ?? 20;
  const keys = new Map<string, SigningKey>();
  const published = new Set<string>();
  const log: RevocationFeedEvent[] = [];
  /** Cursor n means "after the n-th event"; cursors below `firstKept` were forgotten. */
  let firstKept = 0;
  let resetAt = 0;
  const streams = new Set<ServerResponse>();
  const basic = `Basic ${Buffer.from(`${SERVICE.name}:${SERVICE.secret}`).toString('base64')}`;

  const feedRequests: string[] = [];
  const state = {
    jwksFetches: 0,
    jwksDown: false,
    feedDown: false,
  };

  const since = (cursor: string): { start: number; reset: boolean } => {
    const n = /^\d+$/.test(cursor) ? Number(cursor) : NaN;
    if (cursor === '' || !(n <= log.length)) return { start: log.length, reset: false };
    if (n < firstKept) return { start: firstKept, reset: true };
    return { start: n, reset: false };
  };

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };

  const serveFeed = (request: IncomingMessage, response: ServerResponse, url: URL) => {
    if (request.headers.authorization !== basic) {
      return send(
        response,
        401,
        { detail: 'Authentication credentials were not provided.' },
        { 'www-authenticate': 'Basic realm="api"' },
      );
    }
    const lastEventId = request.headers['last-event-id'];
    const cursor = typeof lastEventId === 'string' ? lastEventId : (url.searchParams.get('since') ?? '');
    feedRequests.push(cursor);
    if (state.feedDown) return send(response, 503, { detail: 'down', code: 'service_unavailable' });
    const { start, reset } = since(cursor);
    const resetFields = reset ? { reset: true, reset_at: resetAt } : { reset: false };
    if (!(request.headers.accept ?? '').includes('text/event-stream')) {
      const page: RevocationFeedPage = { events: log.slice(start), cursor: String(log.length), ...resetFields };
      return send(response, 200, page);
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    response.write(`retry: ${retryMs}\n\n`);
    response.write(`event: ready\nid: ${start}\ndata: ${JSON.stringify(resetFields)}\n\n`);
    for (const event of log.slice(start)) response.write(sseEvent(event));
    streams.add(response);
    response.on('close', () => streams.delete(response));
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    if (url.pathname === `${prefix}.well-known/jwks.json`) {
      state.jwksFetches += 1;
      if (state.jwksDown) return send(response, 503, { detail: 'down', code: 'service_unavailable' });
      const jwks = [...published].map((kid) => (keys.get(kid) as SigningKey).publicJwk);
      return send(response, 200, { keys: jwks }, { 'cache-control': 'public, max-age=300' });
    }
    if (url.pathname === `${prefix}api/token/revocations/`) return serveFeed(request, response, url);
    send(response, 404, { detail: 'Not found.', code: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const standIn: StandIn = {
    url: `http://127.0.0.1:${port}${prefix}`,
    keys,
    feedRequests,
    get jwksFetches() {
      return state.jwksFetches;
    },
    set jwksFetches(value) {
      state.jwksFetches = value;
    },
    get jwksDown() {
      return state.jwksDown;
    },
    set jwksDown(value) {
      state.jwksDown = value;
    },
    get feedDown() {
      return state.feedDown;
    },
    set feedDown(value) {
      state.feedDown = value;
    },
    openStreams: () => streams.size,
    async addKey(alg, kid = `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`) {
      const pair = await generateKeyPair(alg, { extractable: true });
      const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
      keys.set(kid, { alg, privateKey: pair.privateKey, publicJwk });
      published.add(kid);
      return kid;
    },
    unpublish(kid) {
      published.delete(kid);
    },
    sign(kid, claims, extraHeader = {}) {
      const key = keys.get(kid);
      if (key === undefined) throw new Error(`no key ${kid}`);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid, typ: 'JWT', ...extraHeader })
        .sign(key.privateKey);
    },
    signHs256(claims, kid = 'hs256-1') {
      return hmacForge({ alg: 'HS256', kid, typ: 'JWT' }, claims, HS_SECRET);
    },
    emit(kind, target, at) {
      const event: RevocationFeedEvent = { cursor: String(log.length + 1), kind, target, at };
      log.push(event);
      for (const stream of streams) stream.write(sseEvent(event));
      return event;
    },
    dropStreams() {
      for (const stream of streams) stream.destroy();
      streams.clear();
    },
    truncate(at) {
      firstKept = log.length;
      resetAt = at;
    },
    async close() {
      standIn.dropStreams();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return standIn;
}

function sseEvent(event: RevocationFeedEvent): string {
  return `event: revocation\nid: ${event.cursor}\ndata: ${JSON.stringify(event)}\n\n`;
}
