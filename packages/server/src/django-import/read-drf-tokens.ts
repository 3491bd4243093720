import { hashDrfToken } from '../legacy/drf-tokens.js';
import { djangoTime } from './read-users.js';
import { DjangoSourceError, type DjangoSource } from './source.js';

/** A DRF key as tessera keeps it: a SHA-256 of the key, never the key. */
export interface HashedDrfToken {
  keyHash: string;
  userId: number;
  createdAt: number;
}

/**
 * The keys of DRF's `authtoken` app for the users `userIds` names, hashed as they are read.
 * @throws {DjangoSourceError} when the app's table is not there.
 */
export async function readDrfTokens(source: DjangoSource, userIds: ReadonlySet<number>): Promise<HashedDrfToken[]> {
  const columns = await source.columnsOf('authtoken_token');
  const missing = ['key', 'user_id', 'created'].filter((column) => !columns.has(column));
  if (missing.length > 0) {
    throw new DjangoSourceError(
      `--with-drf-tokens: the Django database has no DRF authtoken keys (missing ${missing.map((c) => `authtoken_token.${c}`).join(', ')})`,
    );
  }
  const rows = await source.db.selectFrom('authtoken_token').select(['key', 'user_id', 'created']).execute();
  return rows
    .filter(({ user_id }) => userIds.has(Number(user_id)))
    .map(({ key, user_id, created }) => ({
      keyHash: hashDrfToken(key),
      userId: Number(user_id),
      createdAt: djangoTime(created),
    }));
}
