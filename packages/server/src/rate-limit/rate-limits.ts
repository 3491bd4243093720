/**
 * `TESSERA_RATE_LIMITS`: how many attempts each guarded endpoint allows a
 * client per window, e.g. `obtain=5/minute,refresh=10/minute,password=3/hour`.
 */

export const RATE_LIMIT_NAMES = ['obtain', 'refresh', 'password', 'register'] as const;
export type RateLimitName = (typeof RATE_LIMIT_NAMES)[number];

export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** Limits by endpoint; a name left out is not limited. Empty when limits are off. */
export type RateLimits = Readonly<Partial<Record<RateLimitName, RateLimit>>>;

/**
 * What a SimpleJWT deployment with DRF's throttling typically sets (5 logins
 * and 10 refreshes a minute), and 3 password changes an hour: each old
 * password tried is a guess at it.
 */
export const DEFAULT_RATE_LIMITS = 'obtain=5/minute,refresh=10/minute,password=3/hour,register=10/hour';

const UNITS: Readonly<Record<string, number>> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * Parses the variable; `off` disables every limit. Each entry replaces that
 * endpoint's default, the others keep theirs.
 */
export function parseRateLimits(raw: string | undefined, problems: string[]): RateLimits {
  if (raw?.toLowerCase() === 'off') return Object.freeze({});
  const limits: Partial<Record<RateLimitName, RateLimit>> = {};
  const entries = [...DEFAULT_RATE_LIMITS.split(','), ...(raw ?? '').split(',')];
  for (const entry of entries.map((e) => e.trim()).filter((e) => e !== '')) {
    const match = /^([a-z]+)=(\d{1,9})\/(second|minute|hour|day)$/.exec(entry);
    const name = match?.[1] as RateLimitName | undefined;
    if (match === null || name === undefined || !RATE_LIMIT_NAMES.includes(name) || Number(match[2]) < 1) {
      problems.push(
        `TESSERA_RATE_LIMITS entry "${entry}" must be NAME=COUNT/UNIT with NAME one of ${RATE_LIMIT_NAMES.join(', ')}, ` +
          `COUNT at least 1 and UNIT second, minute, hour or day (e.g. obtain=5/minute), or the whole value "off".`,
      );
      continue;
    }
    limits[name] = Object.freeze({ limit: Number(match[2]), windowMs: UNITS[match[3] as string] as number });
  }
  return Object.freeze(limits);
}
