import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServiceRecord, Store } from '../store/types.js';

/** What every service secret starts with, so that a leak scan (or a person) recognises one. */
export const SERVICE_SECRET_PREFIX = 'tsvc_';

/** A service's name: lowercase letters, digits, `-`, `_` and `.`, starting with a letter or digit, 1 to 64 characters. */
const SERVICE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Whether `name` may name a service. */
export function isServiceName(name: string): boolean {
  return SERVICE_NAME.test(name);
}

/**
 * A new service secret: 32 random bytes as base64url behind
 * {@link SERVICE_SECRET_PREFIX}, e.g. `tsvc_Qm9i…` (48 characters).
 */
export function newServiceSecret(): string {
  return `${SERVICE_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * What the store keeps of a secret: its SHA-256, lowercase hex. A slow
 * password hash buys nothing here: the secret is 256 random bits, which no
 * offline search of the hash can find, and a fast hash keeps each request
 * of a service (a poll a second) cheap.
 */
export function hashServiceSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compared against when the name is unknown or revoked, so that every failure costs the same work. */
const NO_SECRET_HASH = hashServiceSecret(`${SERVICE_SECRET_PREFIX}no service has this secret`);

/** A service whose credentials checked out. */
export interface ServicePrincipal {
  name: string;
  /** The hash its secret matched: an open stream ends when the service's current hash differs. */
  secretHash: string;
}

/**
 * The live service that `name` and `secret` are the credentials of, or
 * undefined. One lookup, one hash and one constant-time comparison whatever
 * the outcome: an unknown or revoked name answers in the time a wrong
 * secret does.
 *
 * @example
 * ```ts
 * const service = await checkServiceCredentials(store, 'reports', 'tsvc_…');
 * if (service === undefined) throw new AuthError('service_credentials_invalid');
 * ```
 */
export async function checkServiceCredentials(
  store: Pick<Store, 'findService'>,
  name: string,
  secret: string,
): Promise<ServicePrincipal | undefined> {
  const found = isServiceName(name) ? await store.findService(name) : undefined;
  const live: ServiceRecord | undefined = found?.revokedAt === null ? found : undefined;
  const expected = Buffer.from(live?.secretHash ?? NO_SECRET_HASH, 'hex');
  const given = Buffer.from(hashServiceSecret(secret), 'hex');
  const matches = expected.length === given.length && timingSafeEqual(expected, given);
  return matches && live !== undefined ? { name: live.name, secretHash: live.secretHash } : undefined;
}
