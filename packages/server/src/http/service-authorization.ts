import { serviceWwwAuthenticate } from '@tessera/protocol';
import type { FastifyRequest } from 'fastify';
import type { AuthContext } from '../auth/context.js';
import { AuthError } from '../errors.js';
import { addressKey } from '../rate-limit/address-key.js';
import { checkServiceCredentials, type ServicePrincipal } from '../revocation/service-credentials.js';

/** What an `Authorization` header says to a service route: nothing for it, a malformed Basic, or a name and secret. */
export type BasicAuthorization =
  { kind: 'absent' } | { kind: 'malformed'; detail: string } | { kind: 'basic'; name: string; secret: string };

// Python's bytes.split(), as DRF's BasicAuthentication splits the header.
const WHITESPACE = /[ \t\n\r\f\v]+/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Parses `Authorization: Basic …` (RFC 7617) as DRF's BasicAuthentication
 * does, with its messages. Another scheme, a Bearer token included, is
 * "absent": it is no service credential.
 *
 * @example
 * ```ts
 * parseBasicAuthorization('Basic cmVwb3J0czp0c3ZjX3g='); // { kind: 'basic', name: 'reports', secret: 'tsvc_x' }
 * parseBasicAuthorization('Bearer eyJ…');                 // { kind: 'absent' }
 * ```
 */
export function parseBasicAuthorization(header: string | undefined): BasicAuthorization {
  const parts = (header ?? '').split(WHITESPACE).filter((part) => part !== '');
  if (parts.length === 0 || parts[0]?.toLowerCase() !== 'basic') return { kind: 'absent' };
  if (parts.length === 1) return { kind: 'malformed', detail: 'Invalid basic header. No credentials provided.' };
  if (parts.length > 2) {
    return { kind: 'malformed', detail: 'Invalid basic header. Credentials string should not contain spaces.' };
  }
  const encoded = parts[1] as string;
  const decoded = BASE64.test(encoded) ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
  if (decoded === undefined) {
    return { kind: 'malformed', detail: 'Invalid basic header. Credentials not correctly base64 encoded.' };
  }
  // No colon: a name and an empty secret, as DRF reads it.
  const colon = decoded.includes(':') ? decoded.indexOf(':') : decoded.length;
  return { kind: 'basic', name: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

const challenge = { 'www-authenticate': serviceWwwAuthenticate };

/**
 * The service a request's HTTP Basic credentials belong to. Failed attempts
 * count against the client's address (`service_address`), so a secret cannot
 * be guessed online; one that succeeds is forgiven.
 * @throws {AuthError} 401 `not_authenticated` without Basic credentials,
 *   401 `service_credentials_invalid` for malformed, wrong, unknown or revoked
 *   ones (one body for the last three), each with `WWW-Authenticate: Basic`;
 *   429 `throttled`.
 */
export async function requireService(ctx: AuthContext, request: FastifyRequest): Promise<ServicePrincipal> {
  const header = parseBasicAuthorization(request.headers.authorization);
  if (header.kind === 'absent') throw new AuthError('not_authenticated', { headers: challenge });
  const attempt = await ctx.throttle.attempt([
    { limit: 'service_address', key: addressKey(request.ip), failuresOnly: true },
  ]);
  if (header.kind === 'malformed') {
    throw new AuthError('service_credentials_invalid', { detail: header.detail, headers: challenge });
  }
  const service = await checkServiceCredentials(ctx.store, header.name, header.secret);
  if (service === undefined) throw new AuthError('service_credentials_invalid', { headers: challenge });
  await attempt.forgive();
  return service;
}
