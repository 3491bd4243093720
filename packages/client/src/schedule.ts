import type { TokenClaims } from '@tessera/protocol';
import type { Timers } from './platform.js';

/** At most this much random spread is put before a proactive refresh. */
export const MAX_JITTER_MS = 10_000;

/**
 * How long before `exp` to refresh: `marginSeconds`, but never more than half
 * the token's lifetime, so short-lived tokens do not refresh in a loop. The
 * lifetime counts from the end of the `iat` second: `iat` is whole seconds, so
 * a token may arrive up to a second after it, and a 2-second token that came
 * late in its second would otherwise be due on arrival, again and again.
 */
export function effectiveMarginMs(claims: TokenClaims, marginSeconds: number): number {
  const lifetimeMs = typeof claims.iat === 'number' ? (claims.exp - claims.iat - 1) * 1000 : Infinity;
  return Math.max(0, Math.min(marginSeconds * 1000, lifetimeMs / 2));
}

/**
 * Whether a token with `claims` should be refreshed before use at
 * `serverNowMs` (this device's time corrected for the server's clock).
 *
 * @example
 * ```ts
 * if (isRefreshDue(claims, clock() + skewMs, 30)) await auth.refresh();
 * ```
 */
export function isRefreshDue(claims: TokenClaims, serverNowMs: number, marginSeconds: number): boolean {
  return serverNowMs >= claims.exp * 1000 - effectiveMarginMs(claims, marginSeconds);
}

/**
 * Milliseconds from now until the proactive refresh: the margin before
 * `exp`, less a random jitter (up to a quarter of the margin, at most
 * {@link MAX_JITTER_MS}) so tabs and devices do not all refresh at once.
 */
export function proactiveDelayMs(
  claims: TokenClaims,
  serverNowMs: number,
  marginSeconds: number,
  random: number,
): number {
  const marginMs = effectiveMarginMs(claims, marginSeconds);
  const jitterMs = random * Math.min(MAX_JITTER_MS, marginMs / 4);
  return Math.max(0, claims.exp * 1000 - marginMs - jitterMs - serverNowMs);
}

/** Back-off after a failed refresh that may succeed later: 5 s, 10 s, 20 s … at most 60 s, with jitter. */
export function retryDelayMs(failures: number, random: number): number {
  const base = Math.min(60_000, 5_000 * 2 ** Math.max(0, failures - 1));
  return base * (0.75 + random * 0.5);
}

/** One pending timer, replaced whenever it is set again. */
export interface SingleTimer {
  set(delayMs: number, callback: () => void): void;
  cancel(): void;
}

/** A {@link SingleTimer} on `timers`. */
export function createSingleTimer(timers: Timers): SingleTimer {
  let handle: unknown = null;
  const cancel = () => {
    if (handle !== null) timers.clearTimeout(handle);
    handle = null;
  };
  return {
    set(delayMs, callback) {
      cancel();
      handle = timers.setTimeout(() => {
        handle = null;
        callback();
      }, delayMs);
    },
    cancel,
  };
}
