import { createArgon2idHasher } from '../../src/passwords/argon2.js';
import type { Store, UserRecord } from '../../src/store/types.js';

const hasher = createArgon2idHasher();

/** Creates an active viewer with a real argon2id hash of `password`; `fields` override. */
export async function seedUser(
  store: Store,
  username: string,
  password: string,
  fields: Partial<Omit<UserRecord, 'id'>> = {},
): Promise<UserRecord> {
  return store.createUser({
    username,
    passwordHash: await hasher.hash(password),
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
  });
}
