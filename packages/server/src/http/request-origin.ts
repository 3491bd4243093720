import type { FastifyRequest } from 'fastify';
import { AuthError } from '../errors.js';

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The origin the client addressed: the request's scheme and `Host`, or a
 * trusted proxy's `X-Forwarded-Proto` and `X-Forwarded-Host`
 * (`TESSERA_TRUSTED_PROXIES`); from anyone else those headers are ignored.
 * @throws {AuthError} 400 `parse_error` for a `Host` that is not a host name.
 */
export function requestOrigin(request: FastifyRequest): string {
  if (!HOST.test(request.host)) throw new AuthError('parse_error', { detail: 'The Host header is not a host name.' });
  return `${request.protocol}://${request.host}`;
}
