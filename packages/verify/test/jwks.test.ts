import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createVerifier } from '../src/index.js';
import { manualClock, type ManualClock } from './support/clock.js';
import { refusalOf, tokenBody } from './support/refusal.js';
import { SERVICE, accessClaims, startStandIn, type StandIn } from './support/stand-in.js';

let standIn: StandIn;
let clock: ManualClock;
const verifiers: Array<{ close(): Promise<void> }> = [];

beforeEach(async () => {
  standIn = await startStandIn();
  clock = manualClock();
});
afterEach(async () => {
  await Promise.all(verifiers.splice(0).map((v) => v.close()));
  await standIn.close();
});

const start = (options: Partial<Parameters<typeof createVerifier>[0]> = {}) => {
  const verifier = createVerifier({ url: standIn.url, service: SERVICE, clock, ...options });
  verifiers.push(verifier);
  return verifier;
};

describe('the JWKS', () => {
  it('is fetched under the path prefix of the base URL, with or without its trailing slash', async () => {
    const kid = await standIn.addKey('EdDSA');
    const verifier = start({ url: standIn.url.replace(/\/$/, '') });
    await verifier.ready();
    expect(await verifier.verify(await standIn.sign(kid, accessClaims(clock.now())))).toMatchObject({
      username: 'alice',
    });
    expect(standIn.jwksFetches).toBe(1);
  });

  it('50 forged kids cause at most one refetch per cooldown, and all are 401', async () => {
    const kid = await standIn.addKey('ES256');
    const forger = await standIn.addKey('ES256');
    standIn.unpublish(forger);
    const verifier = start({ unknownKidCooldownSeconds: 30 });
    await verifier.ready();
    const forged = (n: number) => standIn.sign(forger, accessClaims(clock.now()), { kid: `forged-${n}` });
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, n) => forged(n)));
    const refusals = await Promise.all(tokens.map((token) => refusalOf(verifier.verify(token))));
    expect(refusals.every((r) => r.status === 401 && JSON.stringify(r.body) === JSON.stringify(tokenBody()))).toBe(
      true,
    );
    expect(standIn.jwksFetches).toBe(2);
    for (const token of tokens) await refusalOf(verifier.verify(token));
    expect(standIn.jwksFetches).toBe(2);
    clock.advance(31);
    await Promise.all(tokens.map((token) => refusalOf(verifier.verify(token))));
    expect(standIn.jwksFetches).toBe(3);
    // A good token still passes meanwhile.
    await verifier.verify(await standIn.sign(kid, accessClaims(clock.now())));
  });

  it('a key added since the last fetch is found by the unknown-kid refetch', async () => {
    await standIn.addKey('RS256');
    const verifier = start();
    await verifier.ready();
    const fresh = await standIn.addKey('RS256');
    expect(await verifier.verify(await standIn.sign(fresh, accessClaims(clock.now())))).toMatchObject({
      user_id: '42',
    });
  });

  it('a `keys` event refetches at once, whatever the cooldown; a burst costs at most two fetches', async () => {
    await standIn.addKey('EdDSA');
    const verifier = start();
    await verifier.ready();
    const before = standIn.jwksFetches;
    const rotated = await standIn.addKey('EdDSA');
    for (let n = 0; n < 20; n++) standIn.emit('keys', '', clock.now() / 1000);
    await expect.poll(() => verifier.internals.keySet?.current(rotated) !== undefined).toBe(true);
    await expect.poll(() => standIn.jwksFetches - before).toBeGreaterThanOrEqual(1);
    expect(standIn.jwksFetches - before).toBeLessThanOrEqual(2);
  });

  it('a key dropped from the set stops verifying once the set is refetched (cache hits included)', async () => {
    const kid = await standIn.addKey('ES256');
    const verifier = start();
    await verifier.ready();
    const token = await standIn.sign(kid, accessClaims(clock.now()));
    await verifier.verify(token);
    standIn.unpublish(kid);
    standIn.emit('keys', '', clock.now() / 1000);
    await expect.poll(() => verifier.internals.keySet?.current(kid)).toBeUndefined();
    expect((await refusalOf(verifier.verify(token))).body).toEqual(tokenBody());
  });

  it('unreachable when the verifier starts: ready() and verify() fail closed with 503 service_unavailable and Retry-After, then recover', async () => {
    const kid = await standIn.addKey('EdDSA');
    standIn.jwksDown = true;
    const errors: Error[] = [];
    const verifier = start({ onError: (error) => errors.push(error) });
    const atStart = await refusalOf(verifier.ready());
    expect(atStart).toMatchObject({ code: 'service_unavailable', status: 503 });
    const token = await standIn.sign(kid, accessClaims(clock.now()));
    const refusal = await refusalOf(verifier.verify(token));
    expect(refusal).toMatchObject({ code: 'service_unavailable', status: 503 });
    expect(refusal.body).toEqual({
      detail: "Cannot verify the token: tessera's signing keys are unreachable. Try again shortly.",
      code: 'service_unavailable',
    });
    expect(Number(refusal.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(errors[0]?.message).toMatch(/jwks\.json answered 503/);
    // Within the backoff nothing is fetched again; after it, the keys come.
    const fetches = standIn.jwksFetches;
    await refusalOf(verifier.verify(token));
    expect(standIn.jwksFetches).toBe(fetches);
    standIn.jwksDown = false;
    clock.advance(2);
    expect(await verifier.verify(token)).toMatchObject({ username: 'alice' });
  });

  it('tessera down mid-run: the keys in hand keep verifying', async () => {
    const kid = await standIn.addKey('RS256');
    const verifier = start();
    await verifier.ready();
    standIn.jwksDown = true;
    clock.advance(301); // past max-age: a background refetch fails
    const token = await standIn.sign(kid, accessClaims(clock.now()));
    expect(await verifier.verify(token)).toMatchObject({ username: 'alice' });
    await expect.poll(() => standIn.jwksFetches).toBe(2);
    expect(await verifier.verify(token)).toMatchObject({ username: 'alice' });
  });
});
