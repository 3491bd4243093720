import type { Store, UserRecord } from '../store/types.js';
import { normalizeUsername } from './account-rules.js';

/**
 * The user a typed username names: its NFKC form, which is how usernames are
 * stored, or exactly as typed, for a row stored before usernames were
 * normalized (one query more, only for input that NFKC changes).
 *
 * @example
 * ```ts
 * const user = await findUserByTypedUsername(store, 'ａｌｉｃｅ'); // alice
 * ```
 */
export async function findUserByTypedUsername(
  store: Pick<Store, 'findUserByUsername'>,
  typed: string,
): Promise<UserRecord | undefined> {
  const normalized = normalizeUsername(typed);
  const user = await store.findUserByUsername(normalized);
  if (user !== undefined || normalized === typed) return user;
  return store.findUserByUsername(typed);
}
