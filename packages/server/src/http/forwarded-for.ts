import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** The longest address written as text: an IPv4-mapped IPv6 address. */
const MAX_ADDRESS_LENGTH = 45;

/**
 * The part of an `X-Forwarded-For` chain that can name the client: the
 * addresses after the last entry that is not an IP address. Whatever stands
 * left of such an entry came through a hop that cannot be reasoned about, so
 * it is dropped rather than skipped; an empty result leaves the proxy's own
 * address as the client's.
 *
 * @example
 * ```ts
 * trustedForwardedFor('198.51.100.1, <script>, 203.0.113.7'); // '203.0.113.7'
 * trustedForwardedFor('unknown'); // ''
 * ```
 */
export function trustedForwardedFor(header: string): string {
  const hops = header.split(',').map((hop) => hop.trim());
  let first = hops.length;
  while (first > 0 && isAddress(hops[first - 1] ?? '')) first -= 1;
  return hops.slice(first).join(', ');
}

function isAddress(text: string): boolean {
  return text.length <= MAX_ADDRESS_LENGTH && isIP(text) !== 0;
}

/**
 * Makes `request.ip` an IP address whatever a trusted proxy forwards:
 * `X-Forwarded-For` is cut to {@link trustedForwardedFor} before anything
 * reads it, so no route can store or key a rate limit on a string such as
 * `<script>` or one longer than the address columns. Only with trusted
 * proxies: without them the header is never read.
 */
export function registerForwardedForCheck(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    // The raw headers: request.ip reads them there, on every access.
    const { headers } = request.raw;
    const header = headers['x-forwarded-for'];
    if (typeof header === 'string') {
      const trusted = trustedForwardedFor(header);
      if (trusted === '') delete headers['x-forwarded-for'];
      else headers['x-forwarded-for'] = trusted;
    }
    done();
  });
}
