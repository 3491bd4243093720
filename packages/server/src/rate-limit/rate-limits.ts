/**
 * `TESSERA_RATE_LIMITS`: how many attempts each guarded endpoint allows per
 * window, e.g. `obtain=5/minute,refresh=10/minute,password=3/hour`. What each
 * name counts, and against what:
 * - `obtain`: logins of one username from one address, every attempt;
 * - `obtain_address`: failed logins from one address, whatever the username;
 * - `obtain_username`: failed logins of one username, from every address;
 * - `refresh`: refreshes of one session;
 * - `refresh_address`: refreshes with an unusable token from one address;
 * - `password`: wrong old passwords given to the password change, per user;
 * - `register`: registrations from one address;
 * - `password_reset`: password reset requests for one e-mail address, known or not;
 * - `password_reset_address`: password reset requests from one client address, whatever the e-mail;
 * - `verify_resend`: verification mails asked again for one e-mail address, known or not;
 * - `verify_resend_address`: verification mails asked again from one client address;
 * - `service_address`: failed service credentials (the revocation feed's HTTP Basic) from one address.
 */

export const RATE_LIMIT_NAMES = [
  'obtain',
  'obtain_address',
  'obtain_username',
  'refresh',
  'refresh_address',
  'password',
  'register',
  'password_reset',
  'password_reset_address',
  'verify_resend',
  'verify_resend_address',
  'service_address',
] as const;
export type RateLimitName = (typeof RATE_LIMIT_NAMES)[number];

export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** Limits by endpoint; a name left out is not limited. Empty when limits are off. */
export type RateLimits = Readonly<Partial<Record<RateLimitName, RateLimit>>>;

/**
 * What a SimpleJWT deployment with DRF's throttling typically sets (5 logins
 * and 10 refreshes a minute), and 3 wrong old passwords an hour: each is a
 * guess at it. Failures per address are set above what a busy office behind
 * one NAT address reaches; failures per username at NIST SP 800-63B's ceiling
 * of 100. A password reset sends mail to an address someone typed: 3 an
 * hour per address (seed 002), and 20 an hour per client, so that one client
 * cannot fill many inboxes; a verification mail asked again, alike. Refreshes are per session, so users sharing an address never share
 * a budget; only unusable tokens count against the address. A service's
 * secret is 256 random bits, so its limit only keeps a misconfigured or
 * hostile client from costing the store a lookup per request.
 */
export const DEFAULT_RATE_LIMITS =
  'obtain=5/minute,obtain_address=60/minute,obtain_username=100/hour,' +
  'refresh=10/minute,refresh_address=100/minute,password=3/hour,register=10/hour,' +
  'password_reset=3/hour,password_reset_address=20/hour,verify_resend=3/hour,verify_resend_address=20/hour,' +
  'service_address=20/minute';

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
    const match = /^([a-z_]+)=(\d{1,9})\/(second|minute|hour|day)$/.exec(entry);
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
