// What the restarted server must say about every acknowledged outcome.
import { isDeepStrictEqual } from 'node:util';
import { call, expiresAtMs, pairOf, type Reply } from './http.js';
import type { Chain, Ledger } from './load.js';

const BLACKLISTED = { detail: 'Token is blacklisted', code: 'token_not_valid' };
/** Requests in flight at once while checking. */
const CHECK_CONCURRENCY = 8;

/** How many acknowledged outcomes of each kind were checked. */
export interface CheckCounts {
  /** Old refresh tokens of acknowledged rotations, refused. */
  rotations: number;
  /** Refresh tokens of acknowledged logouts, refused. */
  logouts: number;
  /** Refresh tokens of acknowledged blacklists, refused. */
  blacklists: number;
  /** Unexpired access tokens of revoked sessions, refused by /api/profile/. */
  revokedAccessTokens: number;
  /** Newest pairs of live sessions: access accepted and refresh rotated. */
  live: number;
  /** Sessions left out of the live check: a request of theirs got no answer. */
  unknownChains: number;
}

export interface Verdict {
  counts: CheckCounts;
  /** One line per check the server failed; empty when every acknowledged write survived. */
  failures: string[];
}

/**
 * Checks, over HTTP, that the server (restarted on the crashed database)
 * honours every acknowledged outcome in `ledger`. Live sessions are checked
 * first: presenting a rotated token must not get a chance to affect them.
 */
export async function verifyLedger(baseUrl: string, ledger: Ledger): Promise<Verdict> {
  const failures: string[] = [];
  const counts: CheckCounts = {
    rotations: 0,
    logouts: 0,
    blacklists: 0,
    revokedAccessTokens: 0,
    live: 0,
    unknownChains: ledger.chains.filter((chain) => chain.unknown !== undefined).length,
  };
  const check = (what: string, chain: Chain, reply: Reply, ok: boolean) => {
    if (!ok) failures.push(`${what} of chain #${chain.id} (${chain.username}): ${reply.status} ${summary(reply.body)}`);
    return ok;
  };
  const refresh = (token: string) => call(baseUrl, '/api/token/refresh/', { body: { refresh: token } });
  const profile = (token: string) => call(baseUrl, '/api/profile/', { bearer: token });

  const live = ledger.chains.filter((chain) => chain.revokedVia === undefined && chain.unknown === undefined);
  await inParallel(live, async (chain) => {
    const newest = chain.pairs[chain.pairs.length - 1]!;
    const seen = await profile(newest.access);
    check('live access token on /api/profile/', chain, seen, seen.status === 200 && isUsername(seen.body, chain));
    const rotated = await refresh(newest.refresh);
    check('live refresh token on /api/token/refresh/', chain, rotated, rotated.status === 200 && isPair(rotated.body));
    counts.live += 1;
  });

  const revoked = ledger.chains.filter((chain) => chain.revokedVia !== undefined);
  await inParallel(revoked, async (chain) => {
    const newest = chain.pairs[chain.pairs.length - 1]!;
    const refused = await refresh(newest.refresh);
    const via = chain.revokedVia!;
    check(`${via} refresh token`, chain, refused, isBlacklisted(refused));
    counts[via === 'logout' ? 'logouts' : 'blacklists'] += 1;
    for (const { access } of chain.pairs) {
      if (expiresAtMs(access) <= Date.now() + 1000) continue;
      const denied = await profile(access);
      check(`${via} session's access token on /api/profile/`, chain, denied, isAccessBlacklisted(denied));
      counts.revokedAccessTokens += 1;
    }
  });

  const rotations = ledger.chains.flatMap((chain) =>
    chain.pairs.slice(0, -1).map((pair, index) => ({ chain, old: pair.refresh, index })),
  );
  await inParallel(rotations, async ({ chain, old, index }) => {
    const refused = await refresh(old);
    check(`rotated refresh token #${index}`, chain, refused, isBlacklisted(refused));
    counts.rotations += 1;
  });

  return { counts, failures };
}

const isBlacklisted = (reply: Reply) => reply.status === 401 && isDeepStrictEqual(reply.body, BLACKLISTED);

function isAccessBlacklisted(reply: Reply): boolean {
  const body = reply.body as { code?: unknown; messages?: Array<{ message?: unknown }> } | undefined;
  return reply.status === 401 && body?.code === 'token_not_valid' && body.messages?.[0]?.message === BLACKLISTED.detail;
}

const isUsername = (body: unknown, chain: Chain) => (body as { username?: unknown }).username === chain.username;

function isPair(body: unknown): boolean {
  try {
    pairOf(body);
    return true;
  } catch {
    return false;
  }
}

/** The body for a failure line; a token pair (a rotation that should not have happened) shortened. */
const summary = (body: unknown) => (isPair(body) ? '{"access":…,"refresh":…} (a new pair)' : JSON.stringify(body));

/** Runs `check` on every item, {@link CHECK_CONCURRENCY} at a time. */
async function inParallel<T>(items: readonly T[], check: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await check(items[next++]!);
  };
  await Promise.all(Array.from({ length: CHECK_CONCURRENCY }, lane));
}
