/**
 * {@link VerifierOptions}: validated once, defaults applied, frozen. A bad
 * option is a `TypeError` that says how to fix it.
 */
import { verificationPaths } from '@tessera/protocol';
import type { DpopReplayCache } from './dpop-replay.js';

/** The source of time, in milliseconds since the epoch. Tests pass one that only moves when told. */
export interface Clock {
  now(): number;
}

/** What a verifier does while the revocation feed has been unreachable too long. */
export type StalePolicy = 'refuse' | 'accept';

export interface VerifierOptions {
  /** tessera's base URL, its path prefix included: `https://auth.example.com/` or `http://tessera:8000/auth/`. */
  url: string | URL;
  /** A service account of tessera's: the revocation feed asks for its name and secret (HTTP Basic). */
  service: { name: string; secret: string };
  /**
   * Shared-secret mode: tessera's `TESSERA_SECRET_KEY`. Tokens must then be
   * HS256 and no JWKS is fetched; the feed is followed all the same.
   */
  secret?: string;
  /** Require this `aud` (tessera's `TESSERA_AUDIENCE`). Without it, a token naming an audience is refused, as PyJWT does. */
  audience?: string;
  /** Require this `iss` (tessera's `TESSERA_ISSUER`). */
  issuer?: string;
  /** Seconds of leeway for `exp`, `nbf` and `iat`; default 0, like `TESSERA_LEEWAY`. */
  clockTolerance?: number;
  /** After this many seconds without word from the feed, tokens cannot be confirmed; default 30. */
  staleAfterSeconds?: number;
  /** `'refuse'` (default): answer 503 `revocations_unavailable` while stale. `'accept'`: verify without the feed. */
  onStale?: StalePolicy;
  /** At most one JWKS fetch per this many seconds for tokens with an unknown `kid`; default 30. */
  unknownKidCooldownSeconds?: number;
  /** Told when a JWKS fetch or the feed fails (a message for logs); default: nothing. */
  onError?: (error: Error) => void;
  /** Time, for tests; default `Date.now`. */
  clock?: Clock;
  /**
   * Where the `jti`s of DPoP proofs are remembered, so that each is good for one
   * request (tokens bound with tessera's `TESSERA_DPOP_ACCESS=on`). Default: this
   * process's memory; a service run as several processes passes a shared one (Redis).
   */
  dpopReplayCache?: DpopReplayCache;
}

export interface ResolvedOptions {
  readonly base: URL;
  readonly jwksUrl: URL;
  readonly feedUrl: URL;
  readonly service: { readonly name: string; readonly secret: string };
  readonly secret: string | undefined;
  readonly audience: string | undefined;
  readonly issuer: string | undefined;
  readonly clockToleranceSeconds: number;
  readonly staleAfterMs: number;
  readonly onStale: StalePolicy;
  readonly unknownKidCooldownMs: number;
  readonly fetchTimeoutMs: number;
  readonly onError: (error: Error) => void;
  readonly clock: Clock;
  readonly dpopReplayCache: DpopReplayCache | undefined;
}

const systemClock: Clock = { now: () => Date.now() };

/** @throws {TypeError} naming the option and what it must be. */
export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  const base = baseUrl(options.url);
  const { service } = options;
  if (
    typeof service?.name !== 'string' ||
    service.name === '' ||
    typeof service.secret !== 'string' ||
    service.secret === ''
  ) {
    throw new TypeError("createVerifier: `service` must be { name, secret }, a service account of tessera's.");
  }
  if (options.secret !== undefined && (typeof options.secret !== 'string' || options.secret.length < 32)) {
    throw new TypeError("createVerifier: `secret` must be tessera's TESSERA_SECRET_KEY (at least 32 characters).");
  }
  for (const name of ['audience', 'issuer'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new TypeError(`createVerifier: \`${name}\` must be a non-empty string.`);
    }
  }
  if (options.onStale !== undefined && options.onStale !== 'refuse' && options.onStale !== 'accept') {
    throw new TypeError("createVerifier: `onStale` must be 'refuse' or 'accept'.");
  }
  return Object.freeze({
    base,
    jwksUrl: resolvePath(base, verificationPaths.jwks),
    feedUrl: resolvePath(base, verificationPaths.revocations),
    service: Object.freeze({ name: service.name, secret: service.secret }),
    secret: options.secret,
    audience: options.audience,
    issuer: options.issuer,
    clockToleranceSeconds: seconds('clockTolerance', options.clockTolerance, 0),
    staleAfterMs: seconds('staleAfterSeconds', options.staleAfterSeconds, 30, 1) * 1000,
    onStale: options.onStale ?? 'refuse',
    unknownKidCooldownMs: seconds('unknownKidCooldownSeconds', options.unknownKidCooldownSeconds, 30) * 1000,
    fetchTimeoutMs: 5000,
    onError: options.onError ?? (() => {}),
    clock: options.clock ?? systemClock,
    dpopReplayCache: replayCache(options.dpopReplayCache),
  });
}

/** `url` as a base that ends in `/`, so that relative paths keep its prefix. */
function baseUrl(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `createVerifier: \`url\` must be tessera's base URL, e.g. https://auth.example.com/ (got ${String(url)}).`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TypeError('createVerifier: `url` must be http: or https:.');
  }
  parsed.search = '';
  parsed.hash = '';
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  return parsed;
}

/** One of the protocol's paths (which start with `/`) under the base, prefix kept. */
export function resolvePath(base: URL, path: string): URL {
  return new URL(path.replace(/^\/+/, ''), base);
}

function replayCache(cache: DpopReplayCache | undefined): DpopReplayCache | undefined {
  if (cache !== undefined && typeof (cache as Partial<DpopReplayCache> | null)?.remember !== 'function') {
    throw new TypeError(
      'createVerifier: `dpopReplayCache` must have remember(id, untilMs) answering true the first time.',
    );
  }
  return cache;
}

function seconds(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TypeError(`createVerifier: \`${name}\` must be a number of seconds, at least ${min}.`);
  }
  return value;
}
