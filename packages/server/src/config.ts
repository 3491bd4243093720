/**
 * Configuration from the environment, validated once at start: every problem
 * is reported together, each with how to fix it, and the result is frozen.
 */

import { isIP } from 'node:net';
import { parseWorkerCount } from './cluster/settings.js';
import { parseKeySettings, type KeySettings } from './keys/settings.js';
import { parseLegacySettings, type LegacySettings } from './legacy/settings.js';
import { parseMailSettings, type MailSettings } from './mail/settings.js';
import { parseRateLimits, type RateLimits } from './rate-limit/rate-limits.js';

/** Claims that `TESSERA_EXTRA_CLAIMS` can switch on. */
export const EXTRA_CLAIMS = ['role', 'permissions', 'is_staff', 'is_superuser', 'email_verified'] as const;
export type ExtraClaim = (typeof EXTRA_CLAIMS)[number];

/** Where the data lives. */
export type DatabaseLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface Config extends KeySettings, LegacySettings, MailSettings {
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  /** Processes `tessera serve` runs, each a full instance on the same port and store; 1 runs no cluster. */
  readonly workers: number;
  readonly database: DatabaseLocation;
  /** How often expired refresh tokens are deleted; 0 turns the automatic prune off. */
  readonly pruneIntervalSeconds: number;
  /** How long audit entries are kept (deleted by the same prune); 0 keeps them forever. */
  readonly auditRetentionDays: number;
  /** Redis for state shared between instances (the revocation channel, counters); none by default. */
  readonly redisUrl: string | undefined;
  /** How often each instance reads the revocation log: the bound on how stale its cache can be. */
  readonly revocationPollMs: number;
  /** PostgreSQL connections per instance. */
  readonly databasePoolSize: number;
  /** Undefined until {@link ensureSecretKey} provides one (never in production). */
  readonly secretKey: string | undefined;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /** Absolute cap on a session, however often it is refreshed. */
  readonly sessionMaxAgeSeconds: number;
  /** How long after a rotation the rotated token still gets the same successor pair; 0 turns it off. */
  readonly refreshGraceSeconds: number;
  /** Whether anyone may create an account with `POST /api/register/`. */
  readonly registrationOpen: boolean;
  readonly extraClaims: readonly ExtraClaim[];
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  readonly leewaySeconds: number;
  readonly corsOrigins: readonly string[];
  /** Attempts allowed per window on the guarded endpoints; empty when off. */
  readonly rateLimits: RateLimits;
  /** Whether login and refresh also set HttpOnly cookies, and protected endpoints read them (with CSRF checks). */
  readonly cookieMode: boolean;
  /** `Secure` cookies with `__Host-`/`__Secure-` names; off only for plain-http development. */
  readonly cookieSecure: boolean;
  readonly cookieSameSite: 'lax' | 'strict' | 'none';
  /**
   * DPoP (RFC 9449) on the token endpoints: `optional` binds a session to the
   * key whose proof came with its login; `required` refuses token requests
   * without a proof; `off` ignores the `DPoP` header.
   */
  readonly dpop: DpopMode;
  /**
   * `TESSERA_DPOP_ACCESS=on`: the access tokens of a DPoP-bound session are
   * bound too (`cnf.jkt`), and tessera's protected routes accept them only as
   * `Authorization: DPoP` with a proof by the key. Off by default: they are Bearer.
   */
  readonly dpopAccess: boolean;
  /** Proxies whose `X-Forwarded-For` names the client: addresses or CIDR ranges. */
  readonly trustedProxies: readonly string[];
  /** Prepended to every API path, e.g. `/auth`; empty by default. */
  readonly pathPrefix: string;
  /** A built web app to serve at `/`; by default `tessera serve` serves the installed `@tessera/web`, if any. */
  readonly webRoot: string | undefined;
  readonly logLevel: string;
  /** `pretty`: one line per request, for a person; `json`: one object per line, for machines; `auto`: pretty on a terminal. */
  readonly logFormat: LogFormat;
  /** Where `GET /metrics` is served, on its own listener at `host`; none by default (never on `port`). */
  readonly metricsPort: number | undefined;
  /** A request's headers and body must have arrived this soon after it began, or it gets 408 and its socket is closed. */
  readonly requestTimeoutSeconds: number;
  /** How long an idle keep-alive connection is kept open between requests. */
  readonly keepAliveTimeoutSeconds: number;
  /** Open connections allowed from one address (trusted proxies excepted); 0 for no bound. */
  readonly maxConnectionsPerAddress: number;
}

/** Thrown when the environment cannot be used; the message lists every problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Shortest secret accepted: HS256 wants a key at least as long as its 256-bit output. */
export const MIN_SECRET_KEY_LENGTH = 32;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export const DPOP_MODES = ['off', 'optional', 'required'] as const;
export type DpopMode = (typeof DPOP_MODES)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads tessera's settings from `env` (normally `process.env`).
 *
 * @example
 * ```ts
 * const config = resolveConfig({ TESSERA_SECRET_KEY: 'x'.repeat(32), PORT: '8080' });
 * config.port; // 8080
 * ```
 * @throws {ConfigError} listing every invalid variable and how to fix it.
 */
export function resolveConfig(env: Env): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name}=${JSON.stringify(raw)} must be a whole number from ${min} to ${max}.`);
      return fallback;
    }
    return value;
  };

  /** A two-valued variable: `yes` or `no` (case-insensitive), else `fallback` and a problem. */
  const flag = (name: string, yes: string, no: string, fallback: boolean): boolean => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (raw === yes || raw === no) return raw === yes;
    problems.push(`${name}=${JSON.stringify(raw)} must be ${yes} or ${no}.`);
    return fallback;
  };

  const production = read('NODE_ENV') === 'production';
  const port = integer('PORT', 8000, 0, 65535);
  const host = read('HOST') ?? '127.0.0.1';
  const workers = parseWorkerCount(read('TESSERA_WORKERS'), problems, 'TESSERA_WORKERS');
  const database = parseDatabaseUrl(read('DATABASE_URL') ?? 'sqlite:./data/tessera.sqlite', problems);

  const databasePoolSize = integer('TESSERA_DATABASE_POOL_SIZE', 10, 1, 500);
  const pruneIntervalSeconds = integer('TESSERA_PRUNE_INTERVAL', 3600, 0, 604_800);
  const auditRetentionDays = integer('TESSERA_AUDIT_RETENTION_DAYS', 365, 0, 36_500);
  const revocationPollMs = integer('TESSERA_REVOCATION_POLL_MS', 250, 20, 1000);
  const redisUrl = read('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push('REDIS_URL must start with redis:// or rediss://, e.g. redis://127.0.0.1:6379.');
  }

  const secretKey = read('TESSERA_SECRET_KEY');
  if (secretKey === undefined && production) {
    problems.push(
      `TESSERA_SECRET_KEY is required when NODE_ENV=production. Generate one with: node -e "console.log(require('node:crypto').randomBytes(48).toString('base64url'))"`,
    );
  } else if (secretKey !== undefined && secretKey.length < MIN_SECRET_KEY_LENGTH) {
    problems.push(
      `TESSERA_SECRET_KEY must be at least ${MIN_SECRET_KEY_LENGTH} characters (it has ${secretKey.length}); use a long random value.`,
    );
  }

  const keySettings = parseKeySettings(read, problems);
  const legacySettings = parseLegacySettings(read, problems);
  const accessTokenTtlSeconds = integer('TESSERA_ACCESS_TOKEN_LIFETIME', 300, 1, 86_400);
  const refreshTokenTtlSeconds = integer('TESSERA_REFRESH_TOKEN_LIFETIME', 86_400, 1, 31_536_000);
  if (refreshTokenTtlSeconds < accessTokenTtlSeconds) {
    problems.push('TESSERA_REFRESH_TOKEN_LIFETIME must not be shorter than TESSERA_ACCESS_TOKEN_LIFETIME.');
  }

  const sessionMaxAgeSeconds = integer('TESSERA_SESSION_MAX_AGE', 30 * 86_400, 60, 31_536_000);
  if (sessionMaxAgeSeconds < accessTokenTtlSeconds) {
    problems.push('TESSERA_SESSION_MAX_AGE must not be shorter than TESSERA_ACCESS_TOKEN_LIFETIME.');
  }
  const refreshGraceSeconds = integer('TESSERA_REFRESH_GRACE_SECONDS', 10, 0, 300);
  const registrationOpen = flag('TESSERA_REGISTRATION', 'open', 'closed', false);

  const extraClaims = list(read('TESSERA_EXTRA_CLAIMS')).filter((claim): claim is ExtraClaim => {
    const known = (EXTRA_CLAIMS as readonly string[]).includes(claim);
    if (!known)
      problems.push(`TESSERA_EXTRA_CLAIMS has unknown claim "${claim}"; choose from ${EXTRA_CLAIMS.join(', ')}.`);
    return known;
  });

  const corsOrigins = list(read('TESSERA_CORS_ORIGINS'));
  for (const origin of corsOrigins) {
    if (!isExactOrigin(origin)) {
      problems.push(
        `TESSERA_CORS_ORIGINS entry "${origin}" is not an exact origin; write scheme://host[:port], e.g. http://localhost:3000 (no path, no wildcard).`,
      );
    }
  }

  const rateLimits = parseRateLimits(read('TESSERA_RATE_LIMITS'), problems);
  const trustedProxies = list(read('TESSERA_TRUSTED_PROXIES'));
  for (const proxy of trustedProxies) {
    if (!isAddressOrRange(proxy)) {
      problems.push(
        `TESSERA_TRUSTED_PROXIES entry "${proxy}" is not an IP address or CIDR range, e.g. 10.0.0.1 or 10.0.0.0/8.`,
      );
    }
  }

  const cookieMode = flag('TESSERA_COOKIE_MODE', 'on', 'off', true);
  const cookieSecure = flag('TESSERA_COOKIE_SECURE', 'true', 'false', true);
  const sameSite = (read('TESSERA_COOKIE_SAMESITE') ?? 'lax').toLowerCase();
  if (sameSite !== 'lax' && sameSite !== 'strict' && sameSite !== 'none') {
    problems.push(`TESSERA_COOKIE_SAMESITE=${JSON.stringify(sameSite)} must be lax, strict or none.`);
  } else if (sameSite === 'none' && !cookieSecure) {
    problems.push(
      'TESSERA_COOKIE_SAMESITE=none needs Secure cookies: browsers refuse SameSite=None without Secure, and it would ' +
        'send the session cookies on every cross-site request. Remove TESSERA_COOKIE_SECURE=false, or use lax.',
    );
  }

  const dpop = (read('TESSERA_DPOP') ?? 'optional').toLowerCase();
  if (!isDpopMode(dpop)) problems.push(`TESSERA_DPOP=${JSON.stringify(dpop)} must be one of ${DPOP_MODES.join(', ')}.`);
  const dpopAccess = flag('TESSERA_DPOP_ACCESS', 'on', 'off', false);
  if (dpopAccess && dpop === 'off') {
    problems.push(
      'TESSERA_DPOP_ACCESS=on binds access tokens to the key a session is bound to: it needs TESSERA_DPOP=optional or required, not off.',
    );
  }

  const pathPrefix = read('TESSERA_PATH_PREFIX') ?? '';
  if (pathPrefix !== '' && !/^(\/[A-Za-z0-9._~-]+)+$/.test(pathPrefix)) {
    problems.push(
      `TESSERA_PATH_PREFIX="${pathPrefix}" must start with / and have no trailing slash, e.g. /auth (letters, digits, . _ ~ -).`,
    );
  }

  const metricsPort =
    read('TESSERA_METRICS_PORT') === undefined ? undefined : integer('TESSERA_METRICS_PORT', 0, 1, 65535);
  if (metricsPort !== undefined && metricsPort === port) {
    problems.push('TESSERA_METRICS_PORT must differ from PORT: metrics are never served on the API port.');
  }
  const requestTimeoutSeconds = integer('TESSERA_REQUEST_TIMEOUT', 30, 1, 3600);
  const keepAliveTimeoutSeconds = integer('TESSERA_KEEP_ALIVE_TIMEOUT', 72, 1, 3600);
  const maxConnectionsPerAddress = integer('TESSERA_MAX_CONNECTIONS_PER_IP', 64, 0, 100_000);

  const mailSettings = parseMailSettings(read, integer, problems, { production, host, port });

  const logLevel = read('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}.`);
  const logFormat = (read('LOG_FORMAT') ?? 'auto').toLowerCase();
  if (!isLogFormat(logFormat)) problems.push(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}.`);

  const config: Config = {
    production,
    port,
    host,
    workers,
    database,
    databasePoolSize,
    pruneIntervalSeconds,
    auditRetentionDays,
    redisUrl,
    revocationPollMs,
    secretKey,
    ...keySettings,
    ...legacySettings,
    ...mailSettings,
    accessTokenTtlSeconds,
    refreshTokenTtlSeconds,
    sessionMaxAgeSeconds,
    refreshGraceSeconds,
    registrationOpen,
    extraClaims: Object.freeze([...new Set(extraClaims)]),
    issuer: read('TESSERA_ISSUER'),
    audience: read('TESSERA_AUDIENCE'),
    leewaySeconds: integer('TESSERA_LEEWAY', 0, 0, 3600),
    corsOrigins: Object.freeze(corsOrigins),
    rateLimits,
    cookieMode,
    cookieSecure,
    cookieSameSite: sameSite === 'strict' || sameSite === 'none' ? sameSite : 'lax',
    dpop: isDpopMode(dpop) ? dpop : 'optional',
    dpopAccess,
    trustedProxies: Object.freeze(trustedProxies),
    pathPrefix,
    webRoot: read('TESSERA_WEB_ROOT'),
    logLevel,
    logFormat: isLogFormat(logFormat) ? logFormat : 'auto',
    metricsPort,
    requestTimeoutSeconds,
    keepAliveTimeoutSeconds,
    maxConnectionsPerAddress,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/**
 * Where a database URL points: `sqlite:PATH` (or SQLAlchemy's `sqlite:///…`)
 * or `postgres://…`. Problems name `variable`, the setting or option it came from.
 */
export function parseDatabaseUrl(url: string, problems: string[], variable = 'DATABASE_URL'): DatabaseLocation {
  if (url.startsWith('sqlite:')) {
    const path = sqlitePath(url.slice('sqlite:'.length));
    if (path === '') {
      problems.push(
        `${variable} needs a SQLite path, e.g. sqlite:./data/tessera.sqlite, sqlite:////var/lib/tessera.sqlite or sqlite::memory:.`,
      );
    }
    return Object.freeze({ kind: 'sqlite', path });
  }
  if (/^postgres(ql)?:\/\//.test(url)) return Object.freeze({ kind: 'postgres', url });
  problems.push(
    `${variable} must start with sqlite: (e.g. sqlite:./data/tessera.sqlite) or postgres:// (e.g. postgres://user@host:5432/db).`,
  );
  return { kind: 'sqlite', path: ':memory:' };
}

/**
 * `sqlite:PATH` as written, or the URL form other tools use (SQLAlchemy,
 * dj-database-url): `sqlite:///relative.db`, `sqlite:////absolute.db`.
 */
function sqlitePath(rest: string): string {
  if (!rest.startsWith('//')) return rest;
  return rest.startsWith('///') ? rest.slice(3) : '';
}

function isLogFormat(value: string): value is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(value);
}

function isDpopMode(value: string): value is DpopMode {
  return (DPOP_MODES as readonly string[]).includes(value);
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function isAddressOrRange(value: string): boolean {
  const [address = '', bits, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

function isExactOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}
