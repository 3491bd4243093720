/**
 * What a service verifying tessera's tokens on its own reads: the public keys
 * (JWKS) and the metadata document that points at them. Neither ever holds a
 * private or symmetric key: the JWKS is built from public JWKs only, and its
 * response schema lets no other member through.
 */
import { paths, verificationPaths, type VerificationMetadata } from '@tessera/protocol';
import { JWKS_MAX_AGE_SECONDS } from '../../keys/settings.js';
import { requestOrigin } from '../request-origin.js';
import { defineRoute } from '../route-spec.js';

const JWK_SCHEMA = {
  type: 'object',
  properties: Object.fromEntries(
    ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'].map((name) => [name, { type: 'string' }]),
  ),
  additionalProperties: false,
};

export const jwksRoute = defineRoute({
  method: 'GET',
  paths: [verificationPaths.jwks],
  auth: 'none',
  name: 'JSON Web Key Set',
  description:
    'The public signing keys (RFC 7517): the next, current and still-accepted retired keys. Empty with HS256, whose key is the secret.',
  schema: {
    tags: ['verification'],
    response: {
      200: { type: 'object', properties: { keys: { type: 'array', items: JWK_SCHEMA } }, required: ['keys'] },
    },
  },
  handler(ctx, _request, reply) {
    const keys = ctx.keys.publicKeys();
    void reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
    return { keys };
  },
});

const URL_FIELD = { type: 'string' };

export const metadataRoute = defineRoute({
  method: 'GET',
  paths: [verificationPaths.metadata],
  auth: 'none',
  name: 'Authorization Server Metadata',
  description:
    'The issuer, the JWKS URL, the token endpoints and the algorithms of the keys held (RFC 8414 member names).',
  schema: {
    tags: ['verification'],
    response: {
      200: {
        type: 'object',
        properties: {
          issuer: URL_FIELD,
          jwks_uri: URL_FIELD,
          token_endpoint: URL_FIELD,
          token_refresh_endpoint: URL_FIELD,
          token_verify_endpoint: URL_FIELD,
          revocation_feed_endpoint: URL_FIELD,
          token_signing_alg_values_supported: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
  handler(ctx, request, reply): VerificationMetadata {
    const { issuer, pathPrefix } = ctx.settings;
    const configured = issuer !== undefined && /^https?:\/\//.test(issuer) ? new URL(issuer).origin : undefined;
    // Built from the request (its proxy's X-Forwarded-* when trusted), the document must not be cached for others.
    void reply.header(
      'cache-control',
      configured === undefined ? 'no-store' : `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
    );
    const base = `${configured ?? requestOrigin(request)}${pathPrefix}`;
    return {
      issuer: issuer ?? base,
      jwks_uri: base + verificationPaths.jwks,
      token_endpoint: base + paths.tokenObtain,
      token_refresh_endpoint: base + paths.tokenRefresh,
      token_verify_endpoint: base + paths.tokenVerify,
      revocation_feed_endpoint: base + verificationPaths.revocations,
      token_signing_alg_values_supported: ctx.keys.algorithms(),
    };
  },
});
