import type { PasswordHasher } from '../../src/passwords/hasher.js';
import type { NewUser, Store, UserRecord } from '../../src/store/types.js';
import { fastHasher } from './hasher.js';

/**
 * Creates an active viewer with an argon2id hash of `password` (by the fast
 * test hasher unless `hasher` says otherwise); `fields` override.
 */
export async function seedUser(
  store: Store,
  username: string,
  password: string,
  fields: Partial<Omit<UserRecord, 'id'>> = {},
  hasher: PasswordHasher = fastHasher,
): Promise<UserRecord> {
  return store.createUser(viewerFields(username, { passwordHash: await hasher.hash(password), ...fields }));
}

/** An active viewer named `username` with `username@example.com`, joined now; `fields` override. */
export function viewerFields(
  username: string,
  fields: Partial<UserRecord> & Pick<UserRecord, 'passwordHash'>,
): NewUser {
  return {
    username,
    email: `${username}@example.com`,
    firstName: '',
    lastName: '',
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    dateJoined: Date.now(),
    role: 'viewer',
    permissions: [],
    ...fields,
  };
}
