import { djangoTime } from './read-users.js';
import type { DjangoSource } from './source.js';

/**
 * SimpleJWT's blacklist (the `token_blacklist` app), as jti and expiry only:
 * its `token` column holds whole JWTs, which tessera never copies. Entries
 * already expired are left out. Undefined when the app is not installed.
 */
export async function readSimplejwtBlacklist(
  source: DjangoSource,
  now: number,
): Promise<Array<{ jti: string; expiresAt: number }> | undefined> {
  const outstanding = await source.columnsOf('token_blacklist_outstandingtoken');
  const blacklisted = await source.columnsOf('token_blacklist_blacklistedtoken');
  if (!['id', 'jti', 'expires_at'].every((c) => outstanding.has(c)) || !blacklisted.has('token_id')) return undefined;
  const rows = await source.db
    .selectFrom('token_blacklist_blacklistedtoken as b')
    .innerJoin('token_blacklist_outstandingtoken as o', 'o.id', 'b.token_id')
    .select(['o.jti', 'o.expires_at'])
    .orderBy('o.id')
    .execute();
  return rows
    .map(({ jti, expires_at }) => ({ jti, expiresAt: djangoTime(expires_at) }))
    .filter(({ jti, expiresAt }) => expiresAt > now && jti.length <= 255);
}
