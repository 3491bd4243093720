import { once } from 'node:events';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { hashServiceSecret, newServiceSecret } from '../../src/revocation/service-credentials.js';
import { renderMetrics } from '../../src/http/metrics.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { createSchema } from '../support/stores.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { within } from '../support/eventually.js';
import { openEventStream, type EventStreamClient } from '../support/event-stream.js';
import { bearer, claimsOf, createTestServer, type TestServer } from '../support/server.js';

const FEED = '/api/token/revocations/';
const HOUR = 3_600_000;
const basic = (name: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${name}:${secret}`).toString('base64')}`,
});
const invalidCredentials = { detail: 'Invalid service name or secret.', code: 'service_credentials_invalid' };
const BASIC_CHALLENGE = 'Basic realm="tessera"';
const CURSOR_MESSAGE =
  'Enter a valid cursor: the cursor of the last event received, or nothing to start one access-token lifetime back.';

let server: TestServer;
let secret: string;
let service: Record<string, string>;

/** A service that may read the feed, created as the CLI creates one. */
async function createService(name: string): Promise<string> {
  const created = newServiceSecret();
  await server.store.createService(name, hashServiceSecret(created), server.clock.now());
  return created;
}

/** Logs alice in and out; returns the session id the logout ended. */
async function logInAndOut(): Promise<string> {
  const { access, refresh } = await server.login('alice', 'correct horse');
  const logout = await server.post('/api/auth/logout/', { refresh }, bearer(access));
  expect(logout.statusCode).toBe(205);
  return claimsOf(access).sid as string;
}

const page = (query: string, headers: Record<string, string> = service) =>
  server.app.inject({ method: 'GET', url: `${FEED}?${query}`, headers });

async function setUp(env: Record<string, string> = {}) {
  server = await createTestServer(env, { feedHeartbeatMs: 50 });
  // Started, the app logs its first signing keys; then past the access-token lifetime, so that a fresh
  // stream (which starts that far back) has nothing to replay and each test sees only its own events.
  await server.app.ready();
  server.clock.advance(301);
  await server.createUser('alice', 'correct horse');
  secret = await createService('reports');
  service = basic('reports', secret);
}

describe('the revocation feed: who may read it', () => {
  beforeEach(() => setUp());
  afterEach(() => server.close());

  it.for([
    ['no Authorization header', {}],
    ['a Bearer token, even a valid one', 'bearer'],
    ['another scheme', { authorization: 'Digest username="reports"' }],
  ] as const)('%s: 401 not_authenticated with a Basic challenge', async ([, headers]) => {
    const sent = headers === 'bearer' ? bearer((await server.login('alice', 'correct horse')).access) : headers;
    const response = await page('since=', sent);
    expect([response.statusCode, response.json(), response.headers['www-authenticate']]).toEqual([
      401,
      { detail: 'Authentication credentials were not provided.' },
      BASIC_CHALLENGE,
    ]);
  });

  it.for([
    ['Basic', 'Invalid basic header. No credentials provided.'],
    ['Basic abc def', 'Invalid basic header. Credentials string should not contain spaces.'],
    ['Basic !!!!', 'Invalid basic header. Credentials not correctly base64 encoded.'],
    ['Basic cmVwb3J0cw', 'Invalid basic header. Credentials not correctly base64 encoded.'],
  ])('a malformed header %j: 401 service_credentials_invalid saying what is wrong', async ([header, detail]) => {
    const response = await page('since=', { authorization: header! });
    expect([response.statusCode, response.json(), response.headers['www-authenticate']]).toEqual([
      401,
      { detail, code: 'service_credentials_invalid' },
      BASIC_CHALLENGE,
    ]);
  });

  it('a wrong secret, an unknown name, a name without secret and a revoked service all get one 401 body', async () => {
    const other = await createService('billing');
    expect(await server.store.revokeService('billing', server.clock.now())).toBe(true);
    for (const headers of [
      basic('reports', `${secret}x`),
      basic('reports', ''),
      basic('nobody', secret),
      basic('REPORTS', secret),
      { authorization: `Basic ${Buffer.from('reports').toString('base64')}` },
      basic('billing', other),
    ]) {
      const response = await page('since=', headers);
      expect([headers, response.statusCode, response.json(), response.headers['www-authenticate']]).toEqual([
        headers,
        401,
        invalidCredentials,
        BASIC_CHALLENGE,
      ]);
    }
  });

  it('the right name and secret read it; the scheme is case-insensitive', async () => {
    for (const headers of [service, { authorization: service.authorization!.replace('Basic', 'bASIC') }]) {
      const response = await page('since=', headers);
      const body = response.json<{ cursor: string; reset: boolean }>();
      expect([response.statusCode, body.cursor, body.reset]).toEqual([
        200,
        String(await server.store.latestRevocationId()),
        false,
      ]);
    }
  });

  it('another method is checked for credentials first, then 405', async () => {
    const anonymous = await server.app.inject({ method: 'POST', url: FEED, payload: {} });
    expect([anonymous.statusCode, anonymous.headers['www-authenticate']]).toEqual([401, BASIC_CHALLENGE]);
    const known = await server.app.inject({ method: 'DELETE', url: FEED, headers: service });
    expect([known.statusCode, known.json(), known.headers.allow]).toEqual([
      405,
      { detail: 'Method "DELETE" not allowed.' },
      'GET, OPTIONS',
    ]);
  });
});

describe('the revocation feed: failed credentials are throttled per address', () => {
  beforeEach(() => setUp({ TESSERA_RATE_LIMITS: 'service_address=3/minute' }));
  afterEach(() => server.close());

  it('answers 429 after 3 failures a minute, whatever the name, while successes cost nothing', async () => {
    for (let i = 0; i < 5; i++) expect((await page('since=')).statusCode).toBe(200);
    for (const name of ['reports', 'nobody', 'reports']) {
      expect((await page('since=', basic(name, 'guess'))).statusCode).toBe(401);
    }
    const throttled = await page('since=', basic('reports', 'guess'));
    expect([throttled.statusCode, throttled.json<{ code: string }>().code]).toEqual([429, 'throttled']);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect((await page('since=')).statusCode).toBe(429);
    server.clock.advance(61);
    expect((await page('since=')).statusCode).toBe(200);
  });
});

describe('the revocation feed as JSON: ?since=CURSOR', () => {
  beforeEach(() => setUp());
  afterEach(() => server.close());

  it('an empty since starts one access-token lifetime back: what a verifier starting now must know', async () => {
    await logInAndOut();
    // Past the access-token lifetime (300 s, no leeway): that logout's tokens have all expired.
    server.clock.advance(301);
    const recent = await logInAndOut();
    const [entry] = await server.store.readRevocations((await server.store.latestRevocationId()) - 1, 1);
    const response = await page('since=');
    expect([response.statusCode, response.headers['cache-control'], response.json()]).toEqual([
      200,
      'no-store',
      {
        events: [{ cursor: String(entry!.id), kind: 'session', target: recent, at: Math.floor(entry!.at / 1000) }],
        cursor: String(entry!.id),
        reset: false,
      },
    ]);
  });

  it('answers the events after the cursor, oldest first, each with its cursor and time in seconds', async () => {
    const start = (await page('since=')).json<{ cursor: string }>().cursor;
    const first = await logInAndOut();
    server.clock.advance(5);
    const second = await logInAndOut();
    const alice = await server.store.findUserByUsername('alice');
    const { access } = await server.login('alice', 'correct horse');
    const third = (claimsOf(access) as { sid: string }).sid;
    // revoke-all: each session it ends, then the user.
    await server.post('/api/token/revoke-all/', {}, bearer(access));
    const [a, b, c, d] = await server.store.readRevocations(Number(start), 10);
    const event = (entry: typeof a, kind: string, target: string) => ({
      cursor: String(entry!.id),
      kind,
      target,
      at: Math.floor(entry!.at / 1000),
    });
    const response = await page(`since=${start}`);
    expect(response.json()).toEqual({
      events: [
        event(a, 'session', first),
        event(b, 'session', second),
        event(c, 'session', third),
        event(d, 'user', String(alice!.id)),
      ],
      cursor: String(d!.id),
      reset: false,
    });
    expect(b!.at - a!.at).toBe(5000);
    expect((await page(`since=${c!.id}`)).json()).toEqual({
      events: [event(d, 'user', String(alice!.id))],
      cursor: String(d!.id),
      reset: false,
    });
    expect((await page(`since=${d!.id}`)).json()).toEqual({ events: [], cursor: String(d!.id), reset: false });
  });

  it('pages by 1000: the client asks again with the cursor it got', async () => {
    const alice = (await server.store.findUserByUsername('alice'))!;
    // Ready first: starting, the app logs its signing keys.
    await server.app.ready();
    const before = await server.store.latestRevocationId();
    for (let i = 0; i < 1001; i++) await server.store.revokeUserSessions(alice.id, server.clock.now(), 'admin');
    const first = (await page(`since=${before}`)).json<{ events: Array<{ cursor: string }>; cursor: string }>();
    expect(first.events).toHaveLength(1000);
    expect(first.cursor).toBe(first.events[999]!.cursor);
    const second = (await page(`since=${first.cursor}`)).json<{ events: Array<{ cursor: string }>; cursor: string }>();
    expect(second.events).toHaveLength(1);
    expect(second.cursor).toBe(String(await server.store.latestRevocationId()));
    expect(Number(second.events[0]!.cursor)).toBeGreaterThan(Number(first.cursor));
  });

  it.for(['-1', '01', 'abc', '1.5', '1e3', ' 7', '0x10', '99999999999999999', '9007199254740993'])(
    'a malformed cursor %j: 400 with a field error',
    async (since) => {
      const response = await page(`since=${encodeURIComponent(since)}`);
      expect([response.statusCode, response.json()]).toEqual([400, { since: [CURSOR_MESSAGE] }]);
    },
  );

  it('a cursor newer than the newest event (a restored database) answers a reset to the newest cursor', async () => {
    await logInAndOut();
    const latest = await server.store.latestRevocationId();
    expect((await page(`since=${latest + 10}`)).json()).toEqual({
      events: [],
      cursor: String(latest),
      reset: true,
      reset_at: Math.floor(server.clock.now() / 1000),
    });
  });

  it('a cursor older than the log holds answers a reset; one at the pruned edge does not', async () => {
    await logInAndOut();
    const pruned = await server.store.latestRevocationId();
    server.clock.advance(2 * 3600);
    const kept = await logInAndOut();
    await server.store.deleteExpired(server.clock.now() - HOUR + 1000);
    const latest = await server.store.latestRevocationId();
    expect((await page('since=0')).json()).toEqual({
      events: [],
      cursor: String(latest),
      reset: true,
      reset_at: Math.floor(server.clock.now() / 1000),
    });
    expect((await page(`since=${pruned}`)).json()).toEqual({
      events: [{ cursor: String(latest), kind: 'session', target: kept, at: Math.floor(server.clock.now() / 1000) }],
      cursor: String(latest),
      reset: false,
    });
  });
});

describe('the revocation feed as server-sent events', () => {
  let base: string;
  const streams: EventStreamClient[] = [];
  const open = async (query = '', headers: Record<string, string> = service) => {
    const stream = await openEventStream(`${base}${FEED}${query}`, headers);
    streams.push(stream);
    return stream;
  };
  beforeEach(async () => {
    await setUp();
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await server.close();
  });

  it('starts with retry, a ready event one access-token lifetime back, then the revocations since', async () => {
    const start = String(await server.store.latestRevocationId());
    await logInAndOut();
    const stream = await open();
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream');
    expect(stream.headers['cache-control']).toBe('no-store');
    expect(stream.headers['x-accel-buffering']).toBe('no');
    // Never reused: an ended stream's idle connection would hold tessera's close.
    expect(stream.headers.connection).toBe('close');
    await within(2000, () => Promise.resolve(stream.received.length >= 3));
    const latest = String(await server.store.latestRevocationId());
    expect(stream.received.slice(0, 3)).toMatchObject([
      { event: undefined, id: undefined, data: undefined, retry: '1000', comments: [] },
      { event: 'ready', id: start, data: '{"reset":false}', retry: undefined, comments: [] },
      { event: 'revocation', id: latest },
    ]);
  });

  it('sends a logout at tessera as it happens, and heartbeats in between', async () => {
    await server.app.ready();
    const before = await server.store.latestRevocationId();
    const stream = await open();
    await within(2000, () => Promise.resolve(stream.received.some((block) => block.event === 'ready')));
    const sid = await logInAndOut();
    await within(1000, () => Promise.resolve(stream.revocations().length === 1));
    const [entry] = await server.store.readRevocations(before, 10);
    expect(stream.revocations()).toEqual([
      { cursor: String(entry!.id), kind: 'session', target: sid, at: Math.floor(entry!.at / 1000) },
    ]);
    expect(stream.received.find((block) => block.event === 'revocation')?.id).toBe(String(entry!.id));
    await within(2000, () => Promise.resolve(stream.received.some((block) => block.comments.includes('heartbeat'))));
  });

  it('resumes with Last-Event-ID: misses nothing and repeats nothing', async () => {
    const first = await open();
    await logInAndOut();
    await within(1000, () => Promise.resolve(first.revocations().length === 1));
    const seen = first.received.filter((block) => block.event === 'revocation').at(-1)!.id!;
    first.close();
    const missed = [await logInAndOut(), await logInAndOut()];
    // The URL an EventSource keeps, with the since it first used: Last-Event-ID wins.
    const resumed = await open('?since=', { ...service, 'last-event-id': seen });
    const third = await logInAndOut();
    await within(1000, () => Promise.resolve(resumed.revocations().length === 3));
    expect(resumed.received.find((block) => block.event === 'ready')).toMatchObject({
      id: seen,
      data: '{"reset":false}',
    });
    expect(resumed.revocations().map((event) => event.target)).toEqual([...missed, third]);
    const cursors = resumed.revocations().map((event) => Number(event.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
    expect(cursors[0]).toBeGreaterThan(Number(seen));
  });

  it('with ?since and Accept: text/event-stream, catches up from the cursor first', async () => {
    const since = (await page('since=')).json<{ cursor: string }>().cursor;
    const sids = [await logInAndOut(), await logInAndOut()];
    const stream = await open(`?since=${since}`);
    await within(1000, () => Promise.resolve(stream.revocations().length === 2));
    expect(stream.revocations().map((event) => event.target)).toEqual(sids);
  });

  it('streams from an old cursor and a fresh one (which starts a lifetime back), open together, each get every event once', async () => {
    const since = (await page('since=')).json<{ cursor: string }>().cursor;
    const early = await logInAndOut();
    const fresh = await open();
    await within(2000, () => Promise.resolve(fresh.received.some((block) => block.event === 'ready')));
    const behind = await open(`?since=${since}`);
    const later = await logInAndOut();
    await within(1000, () => Promise.resolve(behind.revocations().length === 2 && fresh.revocations().length === 2));
    expect(behind.revocations().map((event) => event.target)).toEqual([early, later]);
    expect(fresh.revocations().map((event) => event.target)).toEqual([early, later]);
  });

  it('a malformed Last-Event-ID is a 400 field error, not a stream', async () => {
    const response = await server.app.inject({
      method: 'GET',
      url: FEED,
      headers: { ...service, accept: 'text/event-stream', 'last-event-id': 'x' },
    });
    expect([response.statusCode, response.json()]).toEqual([400, { 'Last-Event-ID': [CURSOR_MESSAGE] }]);
  });

  it('an unauthenticated stream request is refused before any stream starts', async () => {
    const response = await fetch(`${base}${FEED}`, { headers: { accept: 'text/event-stream' } });
    expect([response.status, await response.json(), response.headers.get('www-authenticate')]).toEqual([
      401,
      { detail: 'Authentication credentials were not provided.' },
      BASIC_CHALLENGE,
    ]);
  });

  it('revoking the service ends its streams within a second or so, and not the others', async () => {
    const other = basic('billing', await createService('billing'));
    const doomed = await open();
    const kept = await open('', other);
    await within(2000, () => Promise.resolve(doomed.received.length >= 2 && kept.received.length >= 2));
    await server.store.revokeService('reports', server.clock.now());
    await within(2000, () => Promise.resolve(doomed.isEnded));
    expect(kept.isEnded).toBe(false);
  });

  it('counts its open streams in tessera_revocation_feed_streams', async () => {
    const streamsOpen = async () =>
      /^tessera_revocation_feed_streams (\d+)$/m.exec(await renderMetrics(server.app.tessera.metrics))?.[1];
    expect(await streamsOpen()).toBe('0');
    const stream = await open();
    await within(2000, async () => (await streamsOpen()) === '1');
    stream.close();
    await within(2000, async () => (await streamsOpen()) === '0');
  });

  it('closing the server ends every stream promptly', async () => {
    const stream = await open();
    await within(2000, () => Promise.resolve(stream.received.length >= 2));
    const started = Date.now();
    await server.app.close();
    await stream.ended;
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('a revocation feed stream and the connection timeouts', () => {
  beforeEach(() => setUp({ TESSERA_REQUEST_TIMEOUT: '1', TESSERA_KEEP_ALIVE_TIMEOUT: '1' }));
  afterEach(() => server.close());

  it('outlives the request and keep-alive timeouts, which bound requests, not answers', async () => {
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    const stream = await openEventStream(`${base}${FEED}`, service);
    try {
      // Real time: Node checks these timeouts every second.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(stream.isEnded).toBe(false);
      const sid = await logInAndOut();
      await within(1000, () => Promise.resolve(stream.revocations().some((event) => event.target === sid)));
    } finally {
      stream.close();
    }
  });
});

const postgresUrl = inject('postgresUrl');

describe.runIf(postgresUrl !== null && process.env.TESSERA_TEST_DIALECT !== 'postgres')(
  'the revocation feed while PostgreSQL is unreachable',
  () => {
    it('answers ?since with 503, keeps its streams open, and catches them up once the database is back', async () => {
      const real = new URL(postgresUrl!);
      const proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
      const viaProxy = new URL(postgresUrl!);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      const schema = await createSchema(postgresUrl!, 'feedout');
      const proxied = await openPostgresStore({ url: viaProxy.toString(), schema, poolSize: 2 });
      // Another instance's handle, which the outage does not reach.
      const direct = await openPostgresStore({ url: postgresUrl!, schema, migrate: false });
      try {
        server = await createTestServer({}, { store: proxied, feedHeartbeatMs: 50 });
        await server.app.ready();
        server.clock.advance(301);
        const alice = await server.createUser('alice', 'correct horse');
        secret = await createService('reports');
        service = basic('reports', secret);
        await server.app.listen({ port: 0, host: '127.0.0.1' });
        const base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
        const stream = await openEventStream(`${base}${FEED}`, service);
        await within(2000, () => Promise.resolve(stream.received.some((block) => block.event === 'ready')));

        await proxy.refuse();
        const down = await page('since=0');
        expect([down.statusCode, down.json(), down.headers['retry-after']]).toEqual([
          503,
          { detail: 'The authentication store is unavailable. Try again shortly.', code: 'service_unavailable' },
          '2',
        ]);
        await direct.revokeUserSessions(alice.id, server.clock.now(), 'admin');
        const heartbeats = () => stream.received.filter((block) => block.comments.includes('heartbeat')).length;
        const before = heartbeats();
        await within(2000, () => Promise.resolve(heartbeats() >= before + 3));
        expect([stream.isEnded, stream.revocations()]).toEqual([false, []]);

        await proxy.restore();
        await within(5000, () => Promise.resolve(stream.revocations().length === 1));
        expect(stream.revocations()[0]).toMatchObject({ kind: 'user', target: String(alice.id) });
        stream.close();
      } finally {
        await proxy.restore();
        await server.close();
        await direct.close();
        await proxy.close();
      }
    });
  },
);

describe.runIf(process.env.TESSERA_TEST_DIALECT !== 'postgres')('a revocation feed client that stops reading', () => {
  beforeEach(async () => {
    // Above one page of events (about 130 KB), which is written at once.
    server = await createTestServer({}, { feedMaxBacklogBytes: 256 * 1024 });
    await server.app.ready();
    server.clock.advance(301);
    await server.createUser('alice', 'correct horse');
    secret = await createService('reports');
    service = basic('reports', secret);
  });
  afterEach(() => server.close());

  it('is cut once its backlog passes the bound, and resumes from its cursor on a new connection', async () => {
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = server.app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = once(socket, 'close');
    socket.write(
      `GET ${FEED} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n` +
        `Authorization: ${service.authorization}\r\n\r\n`,
    );
    // Reads up to the ready event, then nothing more: the socket stays paused.
    let head = '';
    const readUntilReady = (chunk: Buffer) => (head += chunk.toString('utf8'));
    socket.on('data', readUntilReady);
    await within(2000, () => Promise.resolve(head.includes('event: ready')));
    socket.off('data', readUntilReady);
    socket.pause();
    const ready = /event: ready\nid: (\d+)/.exec(head)![1]!;

    // About 400 KB of events past the bound: more than the kernel's socket buffers hold for a reader that reads nothing.
    const alice = (await server.store.findUserByUsername('alice'))!;
    for (let i = 0; i < 3000; i++) await server.store.revokeUserSessions(alice.id, server.clock.now(), 'admin');
    await Promise.race([
      closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the stream was not cut')), 10_000)),
    ]);

    // A client that reads is sent the whole backlog, page by page as it takes them.
    const resumed = await openEventStream(`http://127.0.0.1:${port}${FEED}`, { ...service, 'last-event-id': ready });
    try {
      await within(5000, () => Promise.resolve(resumed.revocations().length === 3000));
      expect(resumed.isEnded).toBe(false);
    } finally {
      resumed.close();
    }
  });
});
