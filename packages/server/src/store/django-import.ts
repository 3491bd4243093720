import type { Insertable, Kysely, Selectable } from 'kysely';
import { toUserColumns, toUserRecord } from './rows.js';
import type { Database, UsersTable } from './schema.js';
import {
  ImportCollisionError,
  type AuditEntry,
  type DjangoImportResult,
  type ImportedUserOutcome,
  type RevocationKind,
  type RevokeReason,
  type Store,
  type UserRecord,
} from './types.js';

/** What the import needs of the store it is part of (see kysely-store.ts). */
export interface DjangoImportHooks {
  insertAudit(executor: Kysely<Database>, entry: AuditEntry | undefined): Promise<void>;
  appendRevocation(executor: Kysely<Database>, kind: RevocationKind, target: string, now: number): Promise<void>;
  revokeUserSessions(executor: Kysely<Database>, userId: number, now: number, reason: RevokeReason): Promise<number>;
  /** After rows were inserted with ids of their own: make the next generated id follow them (PostgreSQL's sequence). */
  afterExplicitUserIds?(executor: Kysely<Database>): Promise<void>;
}

/** Ids and usernames are looked up this many at a time: well under every driver's bound on parameters. */
const LOOKUP_CHUNK = 500;

/** Thrown to roll a dry run back once its outcomes are known. */
class DryRun extends Error {
  constructor(readonly result: DjangoImportResult) {
    super('dry run');
  }
}

/**
 * `Store.importDjango` over Kysely: every user in one transaction, checked
 * for collisions first, so that a refused import writes nothing.
 */
export function djangoImportStore(db: Kysely<Database>, hooks: DjangoImportHooks): Pick<Store, 'importDjango'> {
  return {
    async importDjango({ users, blacklist = [], drfTokens = [] }, now, { dryRun }, audit) {
      try {
        return await db.transaction().execute(async (trx) => {
          const existing = await readExisting(trx, users);
          const outcomes: ImportedUserOutcome[] = [];
          for (const user of users) outcomes.push(await importUser(trx, hooks, existing, user, now));
          if (outcomes.some(({ kind }) => kind === 'imported') && !dryRun) await hooks.afterExplicitUserIds?.(trx);
          // Entries tessera already has are kept as they are: an import adds, and never brings back what was revoked.
          const blacklistAdded = await inChunks(blacklist, (chunk) =>
            trx
              .insertInto('simplejwt_blacklist')
              .values(chunk.map(({ jti, expiresAt }) => ({ jti, expires_at: expiresAt })))
              .onConflict((oc) => oc.column('jti').doNothing())
              .executeTakeFirst(),
          );
          const drfTokensAdded = await inChunks(drfTokens, (chunk) =>
            trx
              .insertInto('drf_tokens')
              .values(
                chunk.map(({ keyHash, userId, createdAt }) => ({
                  key_hash: keyHash,
                  user_id: userId,
                  created_at: createdAt,
                })),
              )
              .onConflict((oc) => oc.column('key_hash').doNothing())
              .executeTakeFirst(),
          );
          await hooks.insertAudit(trx, audit?.(outcomes));
          const result = { users: outcomes, blacklistAdded, drfTokensAdded };
          if (dryRun) throw new DryRun(result);
          return result;
        });
      } catch (error) {
        if (error instanceof DryRun) return error.result;
        throw error;
      }
    },
  };
}

interface Existing {
  byId: Map<number, Selectable<UsersTable>>;
  /** The Django hash each imported user was last given. */
  imported: Map<number, string>;
}

/** The tessera users with the ids or usernames of `users`, refusing the import if any is not one it brought. */
async function readExisting(trx: Kysely<Database>, users: readonly UserRecord[]): Promise<Existing> {
  const byId = new Map<number, Selectable<UsersTable>>();
  const imported = new Map<number, string>();
  const collisions: string[] = [];
  const incomingIdOf = new Map(users.map((user) => [user.username, user.id]));
  const incomingIds = new Set(users.map(({ id }) => id));
  for (let start = 0; start < users.length; start += LOOKUP_CHUNK) {
    const chunk = users.slice(start, start + LOOKUP_CHUNK);
    const rows = await trx
      .selectFrom('users')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb(
            'id',
            'in',
            chunk.map(({ id }) => id),
          ),
          eb(
            'username',
            'in',
            chunk.map(({ username }) => username),
          ),
        ]),
      )
      .execute();
    const records = await trx
      .selectFrom('django_imported_users')
      .select(['user_id', 'password'])
      .where('user_id', 'in', rows.length === 0 ? [-1] : rows.map(({ id }) => id))
      .execute();
    for (const { user_id, password } of records) imported.set(Number(user_id), password);
    for (const row of rows) {
      const id = Number(row.id);
      const wanted = incomingIdOf.get(row.username);
      let collides = false;
      if (incomingIds.has(id) && !imported.has(id)) {
        collisions.push(`id ${id} is tessera's ${JSON.stringify(row.username)}, which no import brought`);
        collides = true;
      }
      if (wanted !== undefined && wanted !== id) {
        collisions.push(`username ${JSON.stringify(row.username)} is tessera user ${id}, Django's ${wanted}`);
        collides = true;
      }
      if (!collides) byId.set(id, row);
    }
  }
  if (collisions.length > 0) throw new ImportCollisionError([...new Set(collisions)]);
  return { byId, imported };
}

async function importUser(
  trx: Kysely<Database>,
  hooks: DjangoImportHooks,
  { byId, imported }: Existing,
  user: UserRecord,
  now: number,
): Promise<ImportedUserOutcome> {
  const row = byId.get(user.id);
  const outcome = { id: user.id, username: user.username };
  if (row === undefined) {
    await trx.insertInto('users').values(toRow(user)).execute();
    await trx
      .insertInto('django_imported_users')
      .values({ user_id: user.id, password: user.passwordHash, imported_at: now })
      .execute();
    return { ...outcome, kind: 'imported', passwordKept: false, djangoPasswordChanged: false };
  }
  const current = toUserRecord(row);
  // A password changed in tessera since the last import (or upgraded at a login) stays.
  const passwordKept = current.passwordHash !== imported.get(user.id);
  const wanted: UserRecord = {
    ...user,
    passwordHash: passwordKept ? current.passwordHash : user.passwordHash,
    lastLogin: latest(current.lastLogin, user.lastLogin),
  };
  const djangoPasswordChanged = imported.get(user.id) !== user.passwordHash;
  await trx
    .updateTable('django_imported_users')
    .set({ password: user.passwordHash, imported_at: now })
    .where('user_id', '=', user.id)
    .execute();
  if (JSON.stringify(toRow(wanted)) === JSON.stringify(toRow(current))) {
    return { ...outcome, kind: 'unchanged', passwordKept, djangoPasswordChanged };
  }
  await trx.updateTable('users').set(toRow(wanted)).where('id', '=', user.id).execute();
  // Sessions end as a change in Django would end them there; instances read the user again either way.
  if (current.isActive && !wanted.isActive) await hooks.revokeUserSessions(trx, user.id, now, 'deactivated');
  else if (wanted.passwordHash !== current.passwordHash) {
    await hooks.revokeUserSessions(trx, user.id, now, 'password_changed');
  } else await hooks.appendRevocation(trx, 'user', String(user.id), now);
  return { ...outcome, kind: 'updated', passwordKept, djangoPasswordChanged };
}

/** Inserts `items` a chunk at a time; returns how many rows were added. */
async function inChunks<T>(
  items: readonly T[],
  insert: (chunk: readonly T[]) => Promise<{ numInsertedOrUpdatedRows?: bigint | undefined }>,
): Promise<number> {
  let added = 0;
  for (let start = 0; start < items.length; start += LOOKUP_CHUNK) {
    added += Number((await insert(items.slice(start, start + LOOKUP_CHUNK))).numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}

/** The later of two login times; tessera's logins since the import count. */
const latest = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.max(a, b);

/** The row, columns in one order, so that two can be compared as JSON. */
function toRow(user: UserRecord): Insertable<UsersTable> & { id: number } {
  return { id: user.id, ...toUserColumns(user), last_login: user.lastLogin };
}
