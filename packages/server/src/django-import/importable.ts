import { MAX_USERNAME_LENGTH } from '../auth/account-rules.js';
import { prepareDjangoVerify } from '../passwords/django-hashes.js';
import type { UserRecord } from '../store/types.js';

/** tessera's column sizes (see store/migrations.ts): a longer value is not imported. */
const LIMITS = { passwordHash: 256, email: 254, firstName: 150, lastName: 150, role: 64 } as const;

/**
 * Why tessera cannot take `user` as it is, or undefined when it can. Such
 * a user is skipped, and said, rather than cut short.
 */
export function importProblem(user: UserRecord): string | undefined {
  if (user.username === '' || user.username.length > MAX_USERNAME_LENGTH) {
    return `the username is empty or longer than ${MAX_USERNAME_LENGTH} characters`;
  }
  for (const [field, limit] of Object.entries(LIMITS) as Array<[keyof typeof LIMITS, number]>) {
    if (user[field].length > limit) return `${field} is longer than ${limit} characters`;
  }
  return undefined;
}

/**
 * Whether a login can ever check a password against `encoded`: tessera's
 * argon2id or a Django hash within tessera's bounds. Anything else (an
 * unusable `!…` password, an unknown or damaged hash) needs a reset.
 */
export function canLogIn(encoded: string): boolean {
  if (encoded.startsWith('$argon2id$')) return true;
  return prepareDjangoVerify(encoded, () => Promise.resolve(false)) !== undefined;
}
