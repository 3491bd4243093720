import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig, type Config } from '../src/config.js';

const KEY = 'k'.repeat(32);

/** The problems `resolveConfig(env)` reports, or [] when it succeeds. */
function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    resolveConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('resolveConfig', () => {
  it('applies the defaults to an empty environment', () => {
    expect(resolveConfig({})).toEqual<Config>({
      production: false,
      port: 8000,
      host: '127.0.0.1',
      workers: 1,
      database: { kind: 'sqlite', path: './data/tessera.sqlite' },
      databasePoolSize: 10,
      pruneIntervalSeconds: 3600,
      auditRetentionDays: 365,
      redisUrl: undefined,
      revocationPollMs: 250,
      secretKey: undefined,
      signingAlgorithm: 'HS256',
      simplejwt: undefined,
      legacyDrfTokens: false,
      keyRotationDays: undefined,
      accessTokenTtlSeconds: 300,
      refreshTokenTtlSeconds: 86_400,
      sessionMaxAgeSeconds: 2_592_000,
      refreshGraceSeconds: 10,
      registrationOpen: false,
      extraClaims: [],
      issuer: undefined,
      audience: undefined,
      leewaySeconds: 0,
      corsOrigins: [],
      rateLimits: {
        obtain: { limit: 5, windowMs: 60_000 },
        obtain_address: { limit: 60, windowMs: 60_000 },
        obtain_username: { limit: 100, windowMs: 3_600_000 },
        refresh: { limit: 10, windowMs: 60_000 },
        refresh_address: { limit: 100, windowMs: 60_000 },
        password: { limit: 3, windowMs: 3_600_000 },
        register: { limit: 10, windowMs: 3_600_000 },
        password_reset: { limit: 3, windowMs: 3_600_000 },
        password_reset_address: { limit: 20, windowMs: 3_600_000 },
        verify_resend: { limit: 3, windowMs: 3_600_000 },
        verify_resend_address: { limit: 20, windowMs: 3_600_000 },
        service_address: { limit: 20, windowMs: 60_000 },
      },
      cookieMode: true,
      cookieSecure: true,
      cookieSameSite: 'lax',
      dpop: 'optional',
      dpopAccess: false,
      trustedProxies: [],
      pathPrefix: '',
      webRoot: undefined,
      logLevel: 'info',
      logFormat: 'auto',
      metricsPort: undefined,
      requestTimeoutSeconds: 30,
      keepAliveTimeoutSeconds: 72,
      maxConnectionsPerAddress: 64,
      smtpUrl: undefined,
      emailFrom: 'tessera <no-reply@localhost>',
      publicUrl: 'http://127.0.0.1:8000',
      smtpTimeoutSeconds: 30,
      emailVerification: 'off',
    });
  });

  it('treats empty and blank variables as unset', () => {
    const blank = ['PORT', 'HOST', 'DATABASE_URL', 'TESSERA_SECRET_KEY', 'TESSERA_ISSUER', 'LOG_LEVEL'];
    expect(resolveConfig(Object.fromEntries(blank.map((name, i) => [name, i % 2 === 0 ? '' : '  '])))).toEqual(
      resolveConfig({}),
    );
  });

  const parsed: Array<[string, Record<string, string>, Partial<Config>]> = [
    // Without TESSERA_PUBLIC_URL, links in mail point at the port served.
    ['PORT', { PORT: '8080' }, { port: 8080, publicUrl: 'http://127.0.0.1:8080' }],
    ['PORT=0 (any free port)', { PORT: '0' }, { port: 0, publicUrl: 'http://127.0.0.1:0' }],
    ['PORT=65535', { PORT: '65535' }, { port: 65_535, publicUrl: 'http://127.0.0.1:65535' }],
    ['PORT with surrounding spaces', { PORT: ' 9000 ' }, { port: 9000, publicUrl: 'http://127.0.0.1:9000' }],
    ['HOST', { HOST: '0.0.0.0' }, { host: '0.0.0.0', publicUrl: 'http://localhost:8000' }],
    ['HOST an IPv6 address', { HOST: '::1' }, { host: '::1', publicUrl: 'http://[::1]:8000' }],
    [
      'DATABASE_URL sqlite relative',
      { DATABASE_URL: 'sqlite:./db.sqlite3' },
      { database: { kind: 'sqlite', path: './db.sqlite3' } },
    ],
    [
      'DATABASE_URL sqlite in memory',
      { DATABASE_URL: 'sqlite::memory:' },
      { database: { kind: 'sqlite', path: ':memory:' } },
    ],
    [
      'DATABASE_URL sqlite:/// relative, as SQLAlchemy and dj-database-url read it',
      { DATABASE_URL: 'sqlite:///db.sqlite3' },
      { database: { kind: 'sqlite', path: 'db.sqlite3' } },
    ],
    [
      'DATABASE_URL sqlite://// absolute',
      { DATABASE_URL: 'sqlite:////var/lib/t.db' },
      { database: { kind: 'sqlite', path: '/var/lib/t.db' } },
    ],
    [
      'DATABASE_URL postgres://',
      { DATABASE_URL: 'postgres://u:p@db:5432/tessera' },
      { database: { kind: 'postgres', url: 'postgres://u:p@db:5432/tessera' } },
    ],
    [
      'DATABASE_URL postgresql://',
      { DATABASE_URL: 'postgresql://db/tessera' },
      { database: { kind: 'postgres', url: 'postgresql://db/tessera' } },
    ],
    ['TESSERA_SECRET_KEY of 32 characters', { TESSERA_SECRET_KEY: KEY }, { secretKey: KEY }],
    [
      'NODE_ENV=production with a key',
      { NODE_ENV: 'production', TESSERA_SECRET_KEY: KEY },
      { production: true, secretKey: KEY },
    ],
    ['NODE_ENV=development', { NODE_ENV: 'development' }, { production: false }],
    ['TESSERA_ACCESS_TOKEN_LIFETIME', { TESSERA_ACCESS_TOKEN_LIFETIME: '900' }, { accessTokenTtlSeconds: 900 }],
    [
      'TESSERA_REFRESH_TOKEN_LIFETIME',
      { TESSERA_REFRESH_TOKEN_LIFETIME: '604800' },
      { refreshTokenTtlSeconds: 604_800 },
    ],
    [
      'refresh lifetime equal to access lifetime',
      { TESSERA_ACCESS_TOKEN_LIFETIME: '600', TESSERA_REFRESH_TOKEN_LIFETIME: '600' },
      { accessTokenTtlSeconds: 600, refreshTokenTtlSeconds: 600 },
    ],
    ['TESSERA_SESSION_MAX_AGE', { TESSERA_SESSION_MAX_AGE: '86400' }, { sessionMaxAgeSeconds: 86_400 }],
    ['TESSERA_REFRESH_GRACE_SECONDS', { TESSERA_REFRESH_GRACE_SECONDS: '30' }, { refreshGraceSeconds: 30 }],
    ['TESSERA_REFRESH_GRACE_SECONDS=0 (no grace)', { TESSERA_REFRESH_GRACE_SECONDS: '0' }, { refreshGraceSeconds: 0 }],
    ['TESSERA_REGISTRATION=open', { TESSERA_REGISTRATION: 'open' }, { registrationOpen: true }],
    ['TESSERA_REGISTRATION=closed', { TESSERA_REGISTRATION: 'closed' }, { registrationOpen: false }],
    [
      'TESSERA_EXTRA_CLAIMS in the order given, trimmed, without repeats',
      { TESSERA_EXTRA_CLAIMS: ' is_staff, role ,,is_staff,permissions,is_superuser' },
      { extraClaims: ['is_staff', 'role', 'permissions', 'is_superuser'] },
    ],
    ['TESSERA_ISSUER', { TESSERA_ISSUER: 'cosmo-app' }, { issuer: 'cosmo-app' }],
    ['TESSERA_AUDIENCE', { TESSERA_AUDIENCE: 'cosmo-clients' }, { audience: 'cosmo-clients' }],
    ['TESSERA_LEEWAY', { TESSERA_LEEWAY: '30' }, { leewaySeconds: 30 }],
    ['TESSERA_DATABASE_POOL_SIZE', { TESSERA_DATABASE_POOL_SIZE: '25' }, { databasePoolSize: 25 }],
    ['TESSERA_PRUNE_INTERVAL', { TESSERA_PRUNE_INTERVAL: '0' }, { pruneIntervalSeconds: 0 }],
    ['TESSERA_AUDIT_RETENTION_DAYS', { TESSERA_AUDIT_RETENTION_DAYS: '90' }, { auditRetentionDays: 90 }],
    ['TESSERA_AUDIT_RETENTION_DAYS=0 (kept forever)', { TESSERA_AUDIT_RETENTION_DAYS: '0' }, { auditRetentionDays: 0 }],
    [
      'TESSERA_CORS_ORIGINS',
      { TESSERA_CORS_ORIGINS: 'http://localhost:3000, https://app.example.com' },
      { corsOrigins: ['http://localhost:3000', 'https://app.example.com'] },
    ],
    ['TESSERA_METRICS_PORT', { TESSERA_METRICS_PORT: '9100' }, { metricsPort: 9100 }],
    ['TESSERA_REQUEST_TIMEOUT', { TESSERA_REQUEST_TIMEOUT: '10' }, { requestTimeoutSeconds: 10 }],
    ['TESSERA_KEEP_ALIVE_TIMEOUT', { TESSERA_KEEP_ALIVE_TIMEOUT: '5' }, { keepAliveTimeoutSeconds: 5 }],
    [
      'TESSERA_MAX_CONNECTIONS_PER_IP=0 (no bound)',
      { TESSERA_MAX_CONNECTIONS_PER_IP: '0' },
      { maxConnectionsPerAddress: 0 },
    ],
    ['TESSERA_RATE_LIMITS=off', { TESSERA_RATE_LIMITS: 'off' }, { rateLimits: {} }],
    ['TESSERA_RATE_LIMITS=OFF', { TESSERA_RATE_LIMITS: 'OFF' }, { rateLimits: {} }],
    [
      'TESSERA_RATE_LIMITS overriding some limits, the others kept',
      { TESSERA_RATE_LIMITS: 'obtain=20/second, password=1/day' },
      {
        rateLimits: {
          obtain: { limit: 20, windowMs: 1000 },
          obtain_address: { limit: 60, windowMs: 60_000 },
          obtain_username: { limit: 100, windowMs: 3_600_000 },
          refresh: { limit: 10, windowMs: 60_000 },
          refresh_address: { limit: 100, windowMs: 60_000 },
          password: { limit: 1, windowMs: 86_400_000 },
          register: { limit: 10, windowMs: 3_600_000 },
          password_reset: { limit: 3, windowMs: 3_600_000 },
          password_reset_address: { limit: 20, windowMs: 3_600_000 },
          verify_resend: { limit: 3, windowMs: 3_600_000 },
          verify_resend_address: { limit: 20, windowMs: 3_600_000 },
          service_address: { limit: 20, windowMs: 60_000 },
        },
      },
    ],
    [
      'TESSERA_TRUSTED_PROXIES',
      { TESSERA_TRUSTED_PROXIES: '10.0.0.1, 10.1.0.0/16,::1, fd00::/8' },
      { trustedProxies: ['10.0.0.1', '10.1.0.0/16', '::1', 'fd00::/8'] },
    ],
    ['TESSERA_COOKIE_MODE=off', { TESSERA_COOKIE_MODE: 'off' }, { cookieMode: false }],
    ['TESSERA_COOKIE_MODE=OFF', { TESSERA_COOKIE_MODE: 'OFF' }, { cookieMode: false }],
    ['TESSERA_COOKIE_SECURE=false', { TESSERA_COOKIE_SECURE: 'false' }, { cookieSecure: false }],
    ['TESSERA_COOKIE_SAMESITE=Strict', { TESSERA_COOKIE_SAMESITE: 'Strict' }, { cookieSameSite: 'strict' }],
    ['TESSERA_COOKIE_SAMESITE=none, Secure', { TESSERA_COOKIE_SAMESITE: 'none' }, { cookieSameSite: 'none' }],
    ['TESSERA_DPOP=required', { TESSERA_DPOP: 'required' }, { dpop: 'required' }],
    ['TESSERA_DPOP=OFF', { TESSERA_DPOP: 'OFF' }, { dpop: 'off' }],
    ['TESSERA_DPOP_ACCESS=on', { TESSERA_DPOP_ACCESS: 'on' }, { dpopAccess: true }],
    [
      'TESSERA_DPOP_ACCESS=ON with TESSERA_DPOP=required',
      { TESSERA_DPOP_ACCESS: 'ON', TESSERA_DPOP: 'required' },
      { dpopAccess: true, dpop: 'required' },
    ],
    ['TESSERA_PATH_PREFIX', { TESSERA_PATH_PREFIX: '/auth' }, { pathPrefix: '/auth' }],
    ['TESSERA_PATH_PREFIX of two segments', { TESSERA_PATH_PREFIX: '/v1/auth' }, { pathPrefix: '/v1/auth' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'debug' }, { logLevel: 'debug' }],
    ['LOG_LEVEL=silent', { LOG_LEVEL: 'silent' }, { logLevel: 'silent' }],
    ['LOG_FORMAT=pretty', { LOG_FORMAT: 'pretty' }, { logFormat: 'pretty' }],
    ['LOG_FORMAT=JSON', { LOG_FORMAT: 'JSON' }, { logFormat: 'json' }],
  ];

  it.each(parsed)('reads %s', (_name, env, expected) => {
    expect(resolveConfig(env)).toEqual({ ...resolveConfig({}), ...expected });
  });

  const invalid: Array<[Record<string, string>, string]> = [
    [{ PORT: 'abc' }, 'PORT="abc" must be a whole number from 0 to 65535.'],
    [{ PORT: '70000' }, 'PORT="70000" must be a whole number from 0 to 65535.'],
    [{ PORT: '-1' }, 'PORT="-1" must be a whole number from 0 to 65535.'],
    [{ PORT: '80.5' }, 'PORT="80.5" must be a whole number from 0 to 65535.'],
    [{ PORT: '0x50' }, 'PORT="0x50" must be a whole number from 0 to 65535.'],
    [
      { TESSERA_AUDIT_RETENTION_DAYS: 'forever' },
      'TESSERA_AUDIT_RETENTION_DAYS="forever" must be a whole number from 0 to 36500.',
    ],
    [
      { TESSERA_REFRESH_GRACE_SECONDS: '301' },
      'TESSERA_REFRESH_GRACE_SECONDS="301" must be a whole number from 0 to 300.',
    ],
    [{ TESSERA_REGISTRATION: 'yes' }, 'TESSERA_REGISTRATION="yes" must be open or closed.'],
    [{ TESSERA_COOKIE_MODE: 'yes' }, 'TESSERA_COOKIE_MODE="yes" must be on or off.'],
    [{ TESSERA_COOKIE_SECURE: 'no' }, 'TESSERA_COOKIE_SECURE="no" must be true or false.'],
    [{ TESSERA_COOKIE_SAMESITE: 'lenient' }, 'TESSERA_COOKIE_SAMESITE="lenient" must be lax, strict or none.'],
    [{ TESSERA_DPOP: 'on' }, 'TESSERA_DPOP="on" must be one of off, optional, required.'],
    [{ TESSERA_DPOP_ACCESS: 'yes' }, 'TESSERA_DPOP_ACCESS="yes" must be on or off.'],
    [
      { TESSERA_DPOP_ACCESS: 'on', TESSERA_DPOP: 'off' },
      'TESSERA_DPOP_ACCESS=on binds access tokens to the key a session is bound to: it needs TESSERA_DPOP=optional or required, not off.',
    ],
    [
      { TESSERA_COOKIE_SAMESITE: 'none', TESSERA_COOKIE_SECURE: 'false' },
      'TESSERA_COOKIE_SAMESITE=none needs Secure cookies: browsers refuse SameSite=None without Secure, and it would ' +
        'send the session cookies on every cross-site request. Remove TESSERA_COOKIE_SECURE=false, or use lax.',
    ],
    [
      { TESSERA_CORS_ORIGINS: '*' },
      'TESSERA_CORS_ORIGINS entry "*" is not an exact origin; write scheme://host[:port], e.g. http://localhost:3000 (no path, no wildcard).',
    ],
    ...['login=5/minute', 'obtain=5', 'obtain=0/minute', 'obtain=5/fortnight', 'obtain=-1/minute', 'none'].map(
      (entry): [Record<string, string>, string] => [
        { TESSERA_RATE_LIMITS: entry },
        `TESSERA_RATE_LIMITS entry "${entry}" must be NAME=COUNT/UNIT with NAME one of obtain, obtain_address, obtain_username, refresh, refresh_address, password, register, password_reset, password_reset_address, verify_resend, verify_resend_address, service_address, ` +
          'COUNT at least 1 and UNIT second, minute, hour or day (e.g. obtain=5/minute), or the whole value "off".',
      ],
    ),
    ...['10.0.0.300', '10.0.0.0/33', 'proxy.local', '::1/129', '10.0.0.0/8/8'].map(
      (entry): [Record<string, string>, string] => [
        { TESSERA_TRUSTED_PROXIES: entry },
        `TESSERA_TRUSTED_PROXIES entry "${entry}" is not an IP address or CIDR range, e.g. 10.0.0.1 or 10.0.0.0/8.`,
      ],
    ),
    [
      { TESSERA_SESSION_MAX_AGE: '120', TESSERA_ACCESS_TOKEN_LIFETIME: '300' },
      'TESSERA_SESSION_MAX_AGE must not be shorter than TESSERA_ACCESS_TOKEN_LIFETIME.',
    ],
    [
      { TESSERA_ACCESS_TOKEN_LIFETIME: '0' },
      'TESSERA_ACCESS_TOKEN_LIFETIME="0" must be a whole number from 1 to 86400.',
    ],
    [
      { TESSERA_ACCESS_TOKEN_LIFETIME: '-5' },
      'TESSERA_ACCESS_TOKEN_LIFETIME="-5" must be a whole number from 1 to 86400.',
    ],
    [
      { TESSERA_ACCESS_TOKEN_LIFETIME: '1.5' },
      'TESSERA_ACCESS_TOKEN_LIFETIME="1.5" must be a whole number from 1 to 86400.',
    ],
    [
      { TESSERA_ACCESS_TOKEN_LIFETIME: '5m' },
      'TESSERA_ACCESS_TOKEN_LIFETIME="5m" must be a whole number from 1 to 86400.',
    ],
    [
      { TESSERA_REFRESH_TOKEN_LIFETIME: '99999999999999999999' },
      'TESSERA_REFRESH_TOKEN_LIFETIME="99999999999999999999" must be a whole number from 1 to 31536000.',
    ],
    [
      { TESSERA_ACCESS_TOKEN_LIFETIME: '600', TESSERA_REFRESH_TOKEN_LIFETIME: '300' },
      'TESSERA_REFRESH_TOKEN_LIFETIME must not be shorter than TESSERA_ACCESS_TOKEN_LIFETIME.',
    ],
    [{ TESSERA_LEEWAY: '3601' }, 'TESSERA_LEEWAY="3601" must be a whole number from 0 to 3600.'],
    [{ TESSERA_DATABASE_POOL_SIZE: '0' }, 'TESSERA_DATABASE_POOL_SIZE="0" must be a whole number from 1 to 500.'],
    [{ TESSERA_METRICS_PORT: '0' }, 'TESSERA_METRICS_PORT="0" must be a whole number from 1 to 65535.'],
    [
      { PORT: '8000', TESSERA_METRICS_PORT: '8000' },
      'TESSERA_METRICS_PORT must differ from PORT: metrics are never served on the API port.',
    ],
    [{ TESSERA_REQUEST_TIMEOUT: '0' }, 'TESSERA_REQUEST_TIMEOUT="0" must be a whole number from 1 to 3600.'],
    [
      { TESSERA_EXTRA_CLAIMS: 'role,bogus' },
      'TESSERA_EXTRA_CLAIMS has unknown claim "bogus"; choose from role, permissions, is_staff, is_superuser, email_verified.',
    ],
    [
      { TESSERA_EXTRA_CLAIMS: 'Role' },
      'TESSERA_EXTRA_CLAIMS has unknown claim "Role"; choose from role, permissions, is_staff, is_superuser, email_verified.',
    ],
    ...['*', 'http://x.com/path', 'ftp://x', 'http://x.com/', 'localhost:3000', 'null'].map(
      (origin): [Record<string, string>, string] => [
        { TESSERA_CORS_ORIGINS: origin },
        `TESSERA_CORS_ORIGINS entry "${origin}" is not an exact origin; write scheme://host[:port], e.g. http://localhost:3000 (no path, no wildcard).`,
      ],
    ),
    [
      { DATABASE_URL: 'mysql://x' },
      'DATABASE_URL must start with sqlite: (e.g. sqlite:./data/tessera.sqlite) or postgres:// (e.g. postgres://user@host:5432/db).',
    ],
    [
      { DATABASE_URL: './data/tessera.sqlite' },
      'DATABASE_URL must start with sqlite: (e.g. sqlite:./data/tessera.sqlite) or postgres:// (e.g. postgres://user@host:5432/db).',
    ],
    [
      { DATABASE_URL: 'sqlite:' },
      'DATABASE_URL needs a SQLite path, e.g. sqlite:./data/tessera.sqlite, sqlite:////var/lib/tessera.sqlite or sqlite::memory:.',
    ],
    [
      { DATABASE_URL: 'sqlite://host/db' },
      'DATABASE_URL needs a SQLite path, e.g. sqlite:./data/tessera.sqlite, sqlite:////var/lib/tessera.sqlite or sqlite::memory:.',
    ],
    [
      { TESSERA_SECRET_KEY: 'k'.repeat(31) },
      'TESSERA_SECRET_KEY must be at least 32 characters (it has 31); use a long random value.',
    ],
    [
      { NODE_ENV: 'production' },
      `TESSERA_SECRET_KEY is required when NODE_ENV=production. Generate one with: node -e "console.log(require('node:crypto').randomBytes(48).toString('base64url'))"`,
    ],
    [
      { NODE_ENV: 'production', TESSERA_SECRET_KEY: 'secret' },
      'TESSERA_SECRET_KEY must be at least 32 characters (it has 6); use a long random value.',
    ],
    ...['auth', '/auth/', '/', '/a b', '//auth'].map((prefix): [Record<string, string>, string] => [
      { TESSERA_PATH_PREFIX: prefix },
      `TESSERA_PATH_PREFIX="${prefix}" must start with / and have no trailing slash, e.g. /auth (letters, digits, . _ ~ -).`,
    ]),
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent.'],
    [{ LOG_LEVEL: 'INFO' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent.'],
    [{ LOG_FORMAT: 'fancy' }, 'LOG_FORMAT must be one of auto, pretty, json.'],
  ];

  it.each(invalid)('refuses %j with one problem that names the variable', (env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
    expect(Object.keys(env).some((name) => problem.includes(name))).toBe(true);
  });

  it('reports every problem together, in a fixed order, each on its own line of the message', () => {
    const env = {
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      TESSERA_SECRET_KEY: 'short',
      TESSERA_ACCESS_TOKEN_LIFETIME: '0',
      TESSERA_EXTRA_CLAIMS: 'bogus',
      TESSERA_CORS_ORIGINS: '*',
      TESSERA_PATH_PREFIX: 'auth',
      LOG_LEVEL: 'loud',
      TESSERA_LEEWAY: '-1',
    };
    const problems = problemsOf(env);
    expect(problems.map((problem) => /^[A-Z_]+/.exec(problem)?.[0])).toEqual([
      'PORT',
      'DATABASE_URL',
      'TESSERA_SECRET_KEY',
      'TESSERA_ACCESS_TOKEN_LIFETIME',
      'TESSERA_EXTRA_CLAIMS',
      'TESSERA_CORS_ORIGINS',
      'TESSERA_PATH_PREFIX',
      'LOG_LEVEL',
      'TESSERA_LEEWAY',
    ]);
    expect(() => resolveConfig(env)).toThrow(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  });

  it.each(['HS256', 'EdDSA', 'ES256', 'RS256'] as const)('reads TESSERA_SIGNING_ALGORITHM=%s', (algorithm) => {
    expect(resolveConfig({ TESSERA_SIGNING_ALGORITHM: algorithm }).signingAlgorithm).toBe(algorithm);
  });

  it('reads TESSERA_KEY_ROTATION_DAYS as whole days', () => {
    expect(resolveConfig({ TESSERA_KEY_ROTATION_DAYS: '90' }).keyRotationDays).toBe(90);
  });

  it.each(['eddsa', 'HS384', 'none', 'PS256'])('refuses TESSERA_SIGNING_ALGORITHM=%s, naming the choices', (raw) => {
    expect(problemsOf({ TESSERA_SIGNING_ALGORITHM: raw })).toEqual([
      `TESSERA_SIGNING_ALGORITHM="${raw}" must be one of HS256, EdDSA, ES256, RS256 (SimpleJWT's names, case as ` +
        'written; HS256, the default, signs with TESSERA_SECRET_KEY).',
    ]);
  });

  it.each(['0', '-1', '1.5', 'weekly', '3651'])('refuses TESSERA_KEY_ROTATION_DAYS=%s', (raw) => {
    expect(problemsOf({ TESSERA_KEY_ROTATION_DAYS: raw })).toEqual([
      `TESSERA_KEY_ROTATION_DAYS="${raw}" must be a whole number of days from 1 to 3650; leave it unset to rotate ` +
        'only with `tessera keys rotate`.',
    ]);
  });

  it('reads the mail settings: the SMTP URL, the sender and the base of links, without a trailing slash', () => {
    const config = resolveConfig({
      TESSERA_SMTP_URL: 'smtps://user:p%40ss@smtp.example.com:465',
      TESSERA_EMAIL_FROM: 'Example <no-reply@example.com>',
      TESSERA_PUBLIC_URL: 'https://example.com/auth/',
      TESSERA_SMTP_TIMEOUT: '10',
    });
    expect([config.smtpUrl, config.emailFrom, config.publicUrl, config.smtpTimeoutSeconds]).toEqual([
      'smtps://user:p%40ss@smtp.example.com:465',
      'Example <no-reply@example.com>',
      'https://example.com/auth',
      10,
    ]);
  });

  it('reports every bad mail setting together, each with how to fix it', () => {
    expect(
      problemsOf({
        TESSERA_SMTP_URL: 'http://smtp.example.com',
        TESSERA_EMAIL_FROM: 'nobody',
        TESSERA_PUBLIC_URL: 'https://example.com/?next=1',
        TESSERA_SMTP_TIMEOUT: '0',
      }),
    ).toEqual([
      'TESSERA_SMTP_URL must be smtp:// or smtps:// with a host, e.g. smtps://user:password@smtp.example.com:465 ' +
        '(percent-encode @ : / in the user name and password).',
      'TESSERA_EMAIL_FROM="nobody" must be an address, e.g. no-reply@example.com or "Example <no-reply@example.com>".',
      'TESSERA_PUBLIC_URL="https://example.com/?next=1" must be an http:// or https:// URL without query or fragment, e.g. https://auth.example.com.',
      'TESSERA_SMTP_TIMEOUT="0" must be a whole number from 1 to 300.',
    ]);
  });

  it('requires a sender with SMTP, and the public URL in production with SMTP: links never come from Host', () => {
    expect(problemsOf({ TESSERA_SMTP_URL: 'smtp://mail', NODE_ENV: 'production', TESSERA_SECRET_KEY: KEY })).toEqual([
      'TESSERA_EMAIL_FROM is required with TESSERA_SMTP_URL, e.g. "Example <no-reply@example.com>".',
      'TESSERA_PUBLIC_URL is required when NODE_ENV=production and TESSERA_SMTP_URL is set: the links in mail start with it, e.g. https://auth.example.com.',
    ]);
  });

  it('throws a ConfigError named ConfigError', () => {
    expect(() => resolveConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(new ConfigError([]).name).toBe('ConfigError');
  });

  it('returns a frozen configuration, its lists and its database location included', () => {
    const config = resolveConfig({
      TESSERA_EXTRA_CLAIMS: 'role',
      TESSERA_CORS_ORIGINS: 'http://localhost:3000',
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.extraClaims)).toBe(true);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(config.port).toBe(8000);
  });
});

describe('resolveConfig, a move from Django', () => {
  const DJANGO_KEY = 'django-insecure-0123456789';

  it.each([
    ['2027-01-31', Date.UTC(2027, 0, 31)],
    ['2027-01-31T18:00', Date.UTC(2027, 0, 31, 18)],
    ['2027-01-31T18:00:00Z', Date.UTC(2027, 0, 31, 18)],
    ['2027-01-31T18:00:00.5+02:00', Date.UTC(2027, 0, 31, 16, 0, 0, 500)],
  ])('reads TESSERA_SIMPLEJWT_UNTIL=%s as UTC unless it names an offset', (until, untilMs) => {
    const config = resolveConfig({ TESSERA_SIMPLEJWT_SIGNING_KEY: DJANGO_KEY, TESSERA_SIMPLEJWT_UNTIL: until });
    expect(config.simplejwt).toEqual({ signingKey: DJANGO_KEY, untilMs });
  });

  it('refuses the signing key without a date, and a date without the key', () => {
    expect(problemsOf({ TESSERA_SIMPLEJWT_SIGNING_KEY: DJANGO_KEY })).toEqual([
      'TESSERA_SIMPLEJWT_UNTIL="" must be an ISO 8601 date or date-time, e.g. 2027-01-31 or 2027-01-31T18:00:00Z, ' +
        'after which SimpleJWT tokens stop working; it is required with TESSERA_SIMPLEJWT_SIGNING_KEY.',
    ]);
    expect(problemsOf({ TESSERA_SIMPLEJWT_UNTIL: '2027-01-31' })).toEqual([
      'TESSERA_SIMPLEJWT_UNTIL needs TESSERA_SIMPLEJWT_SIGNING_KEY: the Django project\'s SIMPLE_JWT["SIGNING_KEY"] (by default its SECRET_KEY).',
    ]);
  });

  it.each(['next week', '2027-13-01', '31/01/2027', '2027-01-31 18:00', '2027-02-30x'])(
    'refuses TESSERA_SIMPLEJWT_UNTIL=%s',
    (until) => {
      expect(problemsOf({ TESSERA_SIMPLEJWT_SIGNING_KEY: DJANGO_KEY, TESSERA_SIMPLEJWT_UNTIL: until })).toHaveLength(1);
    },
  );

  it('reads TESSERA_LEGACY_DRF_TOKENS as on or off, off by default', () => {
    expect(resolveConfig({ TESSERA_LEGACY_DRF_TOKENS: 'ON' }).legacyDrfTokens).toBe(true);
    expect(resolveConfig({}).legacyDrfTokens).toBe(false);
    expect(problemsOf({ TESSERA_LEGACY_DRF_TOKENS: 'yes' })).toEqual([
      'TESSERA_LEGACY_DRF_TOKENS="yes" must be on or off.',
    ]);
  });
});
