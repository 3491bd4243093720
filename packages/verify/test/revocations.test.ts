import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createVerifier } from '../src/index.js';
import { eventually, manualClock, type ManualClock } from './support/clock.js';
import { refusalOf, tokenBody } from './support/refusal.js';
import { SERVICE, accessClaims, startStandIn, type StandIn } from './support/stand-in.js';

let standIn: StandIn;
let clock: ManualClock;
let kid: string;
let verifier: ReturnType<typeof createVerifier>;

const nowSeconds = () => Math.floor(clock.now() / 1000);
const sign = (overrides: Record<string, unknown> = {}) => standIn.sign(kid, accessClaims(clock.now(), overrides));
/** Whether verify() refuses `token` as revoked. */
const blacklisted = (token: string) =>
  refusalOf(verifier.verify(token)).then(
    (refusal) => JSON.stringify(refusal.body) === JSON.stringify(tokenBody('Token is blacklisted')),
    () => false,
  );

beforeEach(async () => {
  standIn = await startStandIn();
  clock = manualClock();
  kid = await standIn.addKey('EdDSA');
  verifier = createVerifier({ url: standIn.url, service: SERVICE, clock });
  await verifier.ready();
});
afterEach(async () => {
  await verifier.close();
  await standIn.close();
});

describe('the revocation feed', () => {
  it('asks with the service account (HTTP Basic) and starts at the newest event', () => {
    expect(standIn.feedRequests).toEqual(['']);
    expect(standIn.openStreams()).toBe(1);
  });

  it('a revoked session: its tokens are refused (Token is blacklisted) promptly, other sessions pass', async () => {
    const token = await sign({ sid: 'b'.repeat(32) });
    const other = await sign({ sid: 'c'.repeat(32) });
    await verifier.verify(token); // remembered: the cache must not outlive the revocation
    standIn.emit('session', 'b'.repeat(32), nowSeconds());
    const started = Date.now();
    await eventually(() => blacklisted(token), 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await verifier.verify(other)).toMatchObject({ sid: 'c'.repeat(32) });
  });

  it('a user event refuses nothing: each session a change to the user ended comes as its own event', async () => {
    const token = await sign({ user_id: '7', sid: 'd'.repeat(32) });
    const ended = await sign({ user_id: '7', sid: 'e'.repeat(32) });
    standIn.emit('user', '7', nowSeconds());
    standIn.emit('session', 'e'.repeat(32), nowSeconds());
    // The session event after it arrived: the user event was applied before it, and refused nothing.
    await eventually(() => blacklisted(ended), 1000);
    expect(await verifier.verify(token)).toMatchObject({ user_id: '7' });
  });

  it('a revoked key: every token with that kid is refused as invalid', async () => {
    const other = await standIn.addKey('ES256');
    const token = await sign();
    await verifier.verify(token);
    standIn.emit('key', kid, nowSeconds());
    await eventually(
      () =>
        refusalOf(verifier.verify(token)).then(
          (r) => r.code === 'token_not_valid',
          () => false,
        ),
      1000,
    );
    expect((await refusalOf(verifier.verify(token))).body).toEqual(tokenBody());
    expect(await verifier.verify(await standIn.sign(other, accessClaims(clock.now())))).toMatchObject({
      username: 'alice',
    });
  });

  it('when the stream drops, it reconnects with Last-Event-ID and catches up: no event is missed', async () => {
    const tokens = await Promise.all(['1', '2', '3'].map((n) => sign({ sid: n.repeat(32) })));
    standIn.emit('session', '1'.repeat(32), nowSeconds());
    await eventually(() => verifier.internals.feed.cursor === '1');
    standIn.dropStreams();
    // Emitted while no stream is open: only the catch-up can deliver them.
    standIn.emit('session', '2'.repeat(32), nowSeconds());
    standIn.emit('session', '3'.repeat(32), nowSeconds());
    await eventually(() => standIn.openStreams() === 1);
    expect(standIn.feedRequests).toEqual(['', '1']);
    for (const token of tokens) await eventually(() => blacklisted(token), 2000);
    expect(verifier.internals.feed.cursor).toBe('3');
  });

  it('a reset (the cursor is older than the log): every token issued at or before reset_at is refused', async () => {
    const old = await sign();
    standIn.emit('session', 'd'.repeat(32), nowSeconds());
    await eventually(() => verifier.internals.feed.cursor === '1');
    standIn.dropStreams();
    standIn.feedDown = true;
    await eventually(() => standIn.openStreams() === 0);
    standIn.emit('session', 'e'.repeat(32), nowSeconds());
    standIn.truncate(nowSeconds());
    standIn.feedDown = false;
    await eventually(() => blacklisted(old), 3000);
    clock.advance(1);
    expect(await verifier.verify(await sign())).toMatchObject({ username: 'alice' });
  });

  it('unreachable past staleAfterSeconds: 503 revocations_unavailable with Retry-After; within it, tokens pass', async () => {
    const token = await sign();
    standIn.feedDown = true;
    standIn.dropStreams();
    await eventually(() => standIn.feedRequests.length >= 2);
    clock.advance(30);
    expect(await verifier.verify(token)).toMatchObject({ username: 'alice' });
    clock.advance(1);
    const refusal = await refusalOf(verifier.verify(token));
    expect(refusal).toMatchObject({
      code: 'revocations_unavailable',
      status: 503,
      body: { detail: 'Cannot confirm the token is still valid. Try again shortly.', code: 'revocations_unavailable' },
    });
    expect(Number(refusal.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Back: the stream reopens and tokens pass again.
    standIn.feedDown = false;
    await eventually(
      () =>
        verifier.verify(token).then(
          () => true,
          () => false,
        ),
      5000,
    );
  });

  it("onStale: 'accept' verifies without the feed", async () => {
    const accepting = createVerifier({ url: standIn.url, service: SERVICE, clock, onStale: 'accept' });
    await accepting.ready();
    standIn.feedDown = true;
    standIn.dropStreams();
    await eventually(() => standIn.feedRequests.length >= 3);
    clock.advance(3600);
    expect(await accepting.verify(await sign())).toMatchObject({ username: 'alice' });
    await accepting.close();
  });

  it('the feed refused at start (wrong service secret) goes stale after the bound: closed by default', async () => {
    const errors: Error[] = [];
    const wrong = createVerifier({
      url: standIn.url,
      service: { name: 'notes', secret: 'wrong' },
      clock,
      onError: (error) => errors.push(error),
    });
    const token = await sign();
    await eventually(() => errors.length > 0);
    expect(errors[0]?.message).toMatch(/revocations\/ answered 401/);
    expect(await wrong.verify(token)).toMatchObject({ username: 'alice' });
    clock.advance(31);
    expect((await refusalOf(wrong.verify(token))).code).toBe('revocations_unavailable');
    await wrong.close();
  });

  it('memory stays bounded: entries go once every token they could refuse has expired', async () => {
    await verifier.verify(await sign());
    for (let n = 0; n < 200; n++) standIn.emit('session', n.toString(16).padStart(32, '0'), nowSeconds());
    await eventually(() => verifier.internals.revocations.size === 200);
    clock.advance(301);
    standIn.emit('session', 'f'.repeat(32), nowSeconds());
    await eventually(() => verifier.internals.revocations.size === 1);
  });
});
