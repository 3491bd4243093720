import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { AuditEntry, Store } from '../../src/store/types.js';
import { createSchema } from '../support/stores.js';

const T0 = 1_800_000_000_000;
const hex = (n: number) => n.toString(16).padStart(32, '0');
/** Successor ids that the commit-time trigger below refuses. */
const refused = (n: number) => `f${n.toString(16).padStart(31, '0')}`;
const url = inject('postgresUrl');

const audit = (sessionId: string): AuditEntry => ({
  at: T0,
  event: 'refresh',
  userId: 1,
  username: 'alice',
  sessionId,
  ip: '127.0.0.1',
  userAgent: 'test',
  details: { n: 1 },
});

/**
 * PostgreSQL runs a rotation's writes, and a login's, as one statement, and
 * several rotation batches at once (postgres-writes.ts): what each must still
 * guarantee. The store contract suite covers the rest on both dialects.
 */
describe.skipIf(url === null)('PostgreSQL rotations and logins in one statement', () => {
  let admin: pg.Client;
  let schema: string;
  let store: Store;
  let other: Store;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url! });
    await admin.connect();
  });
  afterAll(() => admin.end());

  beforeEach(async () => {
    schema = await createSchema(url!, 'pgw');
    store = await openPostgresStore({ url: url!, schema, poolSize: 4 });
    other = await openPostgresStore({ url: url!, schema, poolSize: 4, migrate: false });
    await admin.query(`INSERT INTO ${schema}.users (username, password, email, first_name, last_name, is_active,
      is_staff, is_superuser, date_joined, role, permissions, email_verified, pending_email)
      VALUES ('alice', 'x', 'a@example.com', '', '', 1, 0, 0, ${T0}, 'viewer', '[]', 0, '')`);
    // Refuses, at commit time, any refresh token whose id starts with f: a commit that fails.
    await admin.query(`
      CREATE FUNCTION ${schema}.refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.jti LIKE 'f%' THEN RAISE EXCEPTION 'commit refused for %', NEW.jti; END IF; RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON ${schema}.refresh_tokens
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${schema}.refuse_at_commit();`);
  });
  afterEach(async () => {
    await Promise.all([store.close(), other.close()]);
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  });

  const login = (session: number, token: number, entry?: AuditEntry) =>
    store.startSession(
      {
        sessionId: hex(session),
        userId: 1,
        now: T0,
        ip: '127.0.0.1',
        userAgent: 'test',
        token: { jti: hex(token), issuedAt: T0, expiresAt: T0 + 86_400_000 },
      },
      entry,
    );
  const rotate = (handle: Store, jti: string, successor: string, entry?: AuditEntry) =>
    handle.rotateRefreshToken(
      { jti, successor: { jti: successor, issuedAt: T0 + 5, expiresAt: T0 + 90_000 }, now: T0 + 5 },
      entry,
    );
  const count = async (table: string) =>
    Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.${table}`)).rows[0]!.n);

  it('records a login in one statement: session, first token, last_login and its audit entry', async () => {
    await login(1, 10, { ...audit(hex(1)), event: 'login_success' });
    expect(await store.findRefreshToken(hex(10))).toMatchObject({ sessionId: hex(1), userId: 1, usedAt: null });
    expect((await store.findUserById(1))?.lastLogin).toBe(T0);
    const { records } = await store.listAudit({ offset: 0, limit: 10 });
    expect(records).toEqual([{ ...audit(hex(1)), event: 'login_success', id: records[0]!.id }]);
  });

  it('writes nothing of a login whose statement fails', async () => {
    await login(1, 10);
    await expect(login(1, 20, { ...audit(hex(1)), event: 'login_success' })).rejects.toMatchObject({ code: '23505' });
    expect(await store.findRefreshToken(hex(20))).toBeUndefined();
    expect(await count('audit_log')).toBe(0);
  });

  it('gives each of many tokens presented many times from two instances exactly one rotation', async () => {
    for (let i = 0; i < 24; i++) await login(1 + i, 100 + i);
    // Every token four times, two per instance, interleaved: batches in flight on both race for each.
    const attempts = Array.from({ length: 96 }, (_, k) => {
      const i = k % 24;
      return rotate(k % 2 === 0 ? store : other, hex(100 + i), hex(1000 + k), audit(hex(1 + i)));
    });
    const outcomes = await Promise.all(attempts);
    for (let i = 0; i < 24; i++) {
      const mine = outcomes.filter((_, k) => k % 24 === i);
      expect(mine.filter((o) => o.kind === 'rotated')).toHaveLength(1);
      expect(mine.filter((o) => o.kind !== 'rotated')).toEqual(
        Array.from({ length: 3 }, () => ({ kind: 'already_used', usedAt: T0 + 5 })),
      );
    }
    // One successor per token, and one audit entry per rotation.
    expect(await count('refresh_tokens')).toBe(48);
    expect(await count('audit_log')).toBe(24);
    const successors = await admin.query(
      `SELECT parent_jti FROM ${schema}.refresh_tokens WHERE parent_jti IS NOT NULL`,
    );
    expect(successors.rows.map((r: { parent_jti: string }) => r.parent_jti).sort()).toEqual(
      Array.from({ length: 24 }, (_, i) => hex(100 + i)).sort(),
    );
  });

  it('reports a lone rotation whose commit fails as failed, and leaves its token unused and its successor unknown', async () => {
    await login(1, 10);
    await expect(rotate(store, hex(10), refused(1), audit(hex(1)))).rejects.toThrow(/commit refused/);
    expect(await other.findRefreshToken(hex(10))).toMatchObject({ usedAt: null });
    expect(await other.findRefreshToken(refused(1))).toBeUndefined();
    expect(await count('audit_log')).toBe(0);
    // The token still rotates.
    expect(await rotate(store, hex(10), hex(11))).toEqual({ kind: 'rotated' });
  });

  it('fails only the rotation whose commit fails among those presented at once', async () => {
    for (let i = 0; i < 4; i++) await login(1 + i, 10 + i);
    const results = await Promise.allSettled([
      rotate(store, hex(10), hex(20), audit(hex(1))),
      rotate(store, hex(11), refused(21), audit(hex(2))),
      rotate(store, hex(12), hex(22), audit(hex(3))),
      rotate(store, hex(13), hex(23), audit(hex(4))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(await other.findRefreshToken(hex(11))).toMatchObject({ usedAt: null });
    expect(await other.findRefreshToken(refused(21))).toBeUndefined();
    for (const n of [20, 22, 23]) expect(await other.findRefreshToken(hex(n))).toMatchObject({ usedAt: null });
    expect(await count('audit_log')).toBe(3);
  });

  it('runs a batch in the order of its tokens, so that batches in flight lock tokens in one order', async () => {
    for (let i = 0; i < 3; i++) await login(1 + i, 10 + i);
    const outcomes = await Promise.all([12, 10, 11].map((n) => rotate(store, hex(n), hex(n + 10), audit(hex(n - 9)))));
    expect(outcomes).toEqual(Array.from({ length: 3 }, () => ({ kind: 'rotated' })));
    // Audit ids follow the writes: the batch ran hex(10), hex(11), hex(12), whatever order they came in.
    const { records } = await store.listAudit({ offset: 0, limit: 10 });
    const bySession = [...records].sort((a, b) => a.id - b.id).map((r) => r.sessionId);
    expect(bySession).toEqual([hex(1), hex(2), hex(3)]);
  });

  it('refuses a rotation in a revoked session and writes nothing for it', async () => {
    await login(1, 10);
    await store.revokeSession(hex(1), T0 + 1, 'logout');
    expect(await rotate(store, hex(10), hex(11), audit(hex(1)))).toEqual({ kind: 'session_revoked' });
    expect(await rotate(store, hex(99), hex(12), audit(hex(1)))).toEqual({ kind: 'unknown' });
    expect(await count('refresh_tokens')).toBe(1);
    expect(await count('audit_log')).toBe(0);
    expect((await admin.query<{ t: string }>(`SELECT last_used_at AS t FROM ${schema}.sessions`)).rows[0]!.t).toBe(
      String(T0),
    );
  });
});
