// DRF `Token` keys made by a real Django (./fixture.ts), imported with
// --with-drf-tokens: with TESSERA_LEGACY_DRF_TOKENS=on they authenticate on
// tessera's protected endpoints as DRF's TokenAuthentication does, each use
// audited; stored as digests; `tessera revoke-drf-tokens` ends them all.
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashDrfToken } from '../../src/legacy/drf-tokens.js';
import { accessRefused } from '../support/answers.js';
import { fastHasher } from '../support/hasher.js';
import { availableDialects } from '../support/stores.js';
import { createTestServer, type TestServer } from '../support/server.js';
import { runMain } from '../cli/sandbox.js';
import { whyDjangoIsMissing, type DjangoFixture } from './fixture.js';
import { OPTIONS, fixtureOf, importInto, newTarget, type Target } from './targets.js';

/** `key` with its last character replaced by another. */
const offByOne = (key: string): string => `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`;

const missing = whyDjangoIsMissing();
const invalid = { detail: 'Invalid token.' };

describe.skipIf(missing !== null).each(availableDialects())('DRF Token keys after an import on %s', (dialect) => {
  let django: DjangoFixture;
  let target: Target;
  let server: TestServer | undefined;

  beforeAll(async () => {
    django = await fixtureOf(dialect);
  }, 120_000);

  const start = async (env: Record<string, string> = { TESSERA_LEGACY_DRF_TOKENS: 'on' }) => {
    target = await newTarget(dialect);
    const imported = await importInto(target, django.from, [...OPTIONS, '--with-drf-tokens']);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(
      'DRF Token keys: 3 (stored as SHA-256 digests), 3 new to tessera; they authenticate with TESSERA_LEGACY_DRF_TOKENS=on.\n',
    );
    server = await createTestServer(env, { hasher: fastHasher, store: await target.open() });
    return server;
  };
  afterEach(async () => {
    await server?.close();
    server = undefined;
    target?.cleanup();
  });
  const profile = (authorization: string) =>
    server!.app.inject({ method: 'GET', url: '/api/profile/', headers: { authorization } });

  it('authenticates `Token <key>` as its owner, and records each use as legacy_token_used', async () => {
    await start();
    for (let use = 0; use < 2; use++) {
      const response = await profile(`Token ${django.drf_tokens.editor}`);
      expect([response.statusCode, response.json()]).toEqual([
        200,
        { username: 'editor', first_name: 'Edna', last_name: 'Profile', email: 'edna@profile.example' },
      ]);
    }
    expect((await profile(`token ${django.drf_tokens.md5user}`)).json()).toMatchObject({ username: 'md5user' });
    const { records } = await server!.store.listAudit({ offset: 0, limit: 10, event: 'legacy_token_used' });
    expect(records.map((r) => [r.username, r.details])).toEqual([
      ['md5user', { kind: 'drf_token' }],
      ['editor', { kind: 'drf_token' }],
      ['editor', { kind: 'drf_token' }],
    ]);
  });

  it.runIf(dialect === 'sqlite')('stores only a SHA-256 of each key', async () => {
    await start();
    const db = new BetterSqlite3(target.databaseUrl.slice('sqlite:'.length), { readonly: true });
    const rows = db.prepare('select key_hash, user_id from drf_tokens order by user_id').all();
    db.close();
    expect(rows).toEqual([
      { key_hash: hashDrfToken(django.drf_tokens.md5user!), user_id: 8 },
      { key_hash: hashDrfToken(django.drf_tokens.sleeper!), user_id: 12 },
      { key_hash: hashDrfToken(django.drf_tokens.editor!), user_id: 13 },
    ]);
  });

  it.each([
    ['an unknown key', () => 'Token 0123456789abcdef0123456789abcdef01234567', 401, invalid],
    // The fixture's keys are random: the last character is changed to one it is not.
    ['a key one character off', () => `Token ${offByOne(django.drf_tokens.editor!)}`, 401, invalid],
    ["the key's digest", () => `Token ${hashDrfToken(django.drf_tokens.editor!)}`, 401, invalid],
    [
      'an inactive user’s key',
      () => `Token ${django.drf_tokens.sleeper}`,
      401,
      { detail: 'User inactive or deleted.' },
    ],
    ['no key', () => 'Token', 401, { detail: 'Invalid token header. No credentials provided.' }],
    [
      'a key with spaces',
      () => 'Token a b',
      401,
      { detail: 'Invalid token header. Token string should not contain spaces.' },
    ],
    [
      'a Bearer header with the key',
      () => `Bearer ${django.drf_tokens.editor}`,
      401,
      accessRefused('Token is invalid'),
    ],
  ])('refuses %s', async (_, header, status, body) => {
    await start();
    const response = await profile(header());
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual(body);
    expect((await server!.store.listAudit({ offset: 0, limit: 1, event: 'legacy_token_used' })).count).toBe(0);
  });

  it('refuses every key while TESSERA_LEGACY_DRF_TOKENS is off, as it does any other scheme', async () => {
    await start({});
    const response = await profile(`Token ${django.drf_tokens.editor}`);
    expect([response.statusCode, response.json()]).toEqual([
      401,
      { detail: 'Authentication credentials were not provided.' },
    ]);
  });

  it('ends every key with tessera revoke-drf-tokens', async () => {
    await start();
    expect(await runMain(['revoke-drf-tokens'], { DATABASE_URL: target.databaseUrl })).toEqual({
      code: 0,
      stdout: 'Revoked 3 DRF Token keys; "Authorization: Token" no longer authenticates anyone.\n',
      stderr: '',
    });
    expect((await profile(`Token ${django.drf_tokens.editor}`)).json()).toEqual(invalid);
    const { records } = await server!.store.listAudit({ offset: 0, limit: 1, event: 'drf_tokens_revoked' });
    expect(records).toMatchObject([{ details: { via: 'cli' } }]);
  });
});
