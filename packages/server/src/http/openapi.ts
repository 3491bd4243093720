import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The OpenAPI document, generated from the route schemas, at `/api/schema/`
 * and a browsable page at `/api/docs/` (both under the path prefix). Must be registered before the routes.
 * With `dpopAccess` (`TESSERA_DPOP_ACCESS=on`) it declares the `DPoP` scheme beside Bearer.
 */
export async function registerOpenApi(app: FastifyInstance, prefix: string, dpopAccess = false): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'tessera',
        version: '0.1.0',
        description: 'Self-hosted JWT authentication, wire-compatible with SimpleJWT.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          // A service's name and secret (`tessera services create NAME`), for the revocation feed.
          basicAuth: { type: 'http', scheme: 'basic' },
          ...(dpopAccess && {
            // RFC 9449 §7.1: a bound access token, with a `DPoP` proof header carrying its `ath`.
            dpopAuth: {
              type: 'http',
              scheme: 'dpop',
              description:
                'Authorization: DPoP <access token>, with a DPoP proof header (htm, htu, ath, the last DPoP-Nonce) signed by the key the token is bound to (cnf.jkt).',
            },
          }),
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: `${prefix}/api/docs`, uiConfig: { docExpansion: 'list' } });
  app.get(`${prefix}/api/schema/`, { schema: { hide: true } }, () => app.swagger());
}
