/**
 * The signing keys' part of the store: read them all, and change them only
 * by compare-and-set transitions in one transaction that also logs the
 * change, so that every instance reloads its key ring.
 */
import type { Kysely, Selectable, Updateable } from 'kysely';
import { nullableNumber } from './rows.js';
import type { Database, SigningKeysTable } from './schema.js';
import type { RevocationKind, SigningKeyRecord, SigningKeyTransition, Store } from './types.js';

/** The rollback of a change whose condition failed. */
class ChangeRefused extends Error {}

/** `listSigningKeys`, `changeSigningKeys` and `hasSessions` over Kysely, for `createKyselyStore` to compose. */
export function signingKeyQueries(
  db: Kysely<Database>,
  isUniqueViolation: (error: unknown) => boolean,
  appendRevocation: (executor: Kysely<Database>, kind: RevocationKind, target: string, now: number) => Promise<void>,
): Pick<Store, 'listSigningKeys' | 'changeSigningKeys' | 'hasSessions'> {
  return {
    async listSigningKeys() {
      const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at').orderBy('kid').execute();
      return rows.map(toRecord);
    },

    async changeSigningKeys(change) {
      try {
        await db.transaction().execute(async (trx) => {
          for (const transition of change.transitions) {
            if (!(await applyTransition(trx, transition, change.now))) throw new ChangeRefused();
          }
          if (change.add !== undefined) await trx.insertInto('signing_keys').values(toRow(change.add)).execute();
          // Last: the log's order lock is held only until the commit.
          await appendRevocation(trx, change.log.kind, change.log.target, change.now);
        });
        return true;
      } catch (error) {
        if (error instanceof ChangeRefused || isUniqueViolation(error)) return false;
        throw error;
      }
    },

    async hasSessions() {
      const row = await db.selectFrom('sessions').select('id').limit(1).executeTakeFirst();
      return row !== undefined;
    },
  };
}

/** Moves one key from `from` to `to`; false when it was not in `from`. */
async function applyTransition(trx: Kysely<Database>, { kid, from, to }: SigningKeyTransition, now: number) {
  if (to === 'deleted') {
    const result = await trx
      .deleteFrom('signing_keys')
      .where('kid', '=', kid)
      .where('state', '=', from)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
  const set: Updateable<SigningKeysTable> = { state: to };
  if (to === 'current') set.activated_at = now;
  if (to === 'retired') set.retired_at = now;
  if (to === 'revoked') set.revoked_at = now;
  const result = await trx
    .updateTable('signing_keys')
    .set(set)
    .where('kid', '=', kid)
    .where('state', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

function toRow(key: SigningKeyRecord): SigningKeysTable {
  return {
    kid: key.kid,
    algorithm: key.algorithm,
    public_jwk: key.publicJwk,
    private_key: key.privateKey,
    state: key.state,
    created_at: key.createdAt,
    activated_at: key.activatedAt,
    retired_at: key.retiredAt,
    revoked_at: key.revokedAt,
  };
}

function toRecord(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: row.kid,
    algorithm: row.algorithm,
    publicJwk: row.public_jwk,
    privateKey: row.private_key,
    state: row.state,
    createdAt: Number(row.created_at),
    activatedAt: nullableNumber(row.activated_at),
    retiredAt: nullableNumber(row.retired_at),
    revokedAt: nullableNumber(row.revoked_at),
  };
}
