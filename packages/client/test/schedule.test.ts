import type { TokenClaims } from '@tessera/protocol';
import { describe, expect, it } from 'vitest';
import { effectiveMarginMs, isRefreshDue, proactiveDelayMs } from '../src/schedule.js';

const claims = (iat: number, exp: number) => ({ iat, exp }) as TokenClaims;
const IAT = 1_800_000_000;

describe('proactive refresh timing', () => {
  it.each([
    ['a 5-minute token: the 30 s margin', claims(IAT, IAT + 300), 30, 30_000],
    ['a 40-second token: half of what is left after the iat second', claims(IAT, IAT + 40), 30, 19_500],
    ['a 2-second token: half a second', claims(IAT, IAT + 2), 30, 500],
    ['a 1-second token: none, refreshed when it expires', claims(IAT, IAT + 1), 30, 0],
    ['a token without iat: the margin', { exp: IAT + 300 } as TokenClaims, 30, 30_000],
  ])('%s', (_name, token, margin, expected) => {
    expect(effectiveMarginMs(token, margin)).toBe(expected);
  });

  it('does not count a 2-second token that arrived late in its iat second as due on arrival', () => {
    const token = claims(IAT, IAT + 2);
    const arrival = IAT * 1000 + 999;
    expect(isRefreshDue(token, arrival, 30)).toBe(false);
    expect(proactiveDelayMs(token, arrival, 30, 0)).toBe(501);
    expect(isRefreshDue(token, IAT * 1000 + 1500, 30)).toBe(true);
  });

  it('spreads the refresh by up to a quarter of the margin', () => {
    const token = claims(IAT, IAT + 300);
    expect(proactiveDelayMs(token, IAT * 1000, 30, 0)).toBe(270_000);
    expect(proactiveDelayMs(token, IAT * 1000, 30, 1)).toBe(262_500);
  });
});
