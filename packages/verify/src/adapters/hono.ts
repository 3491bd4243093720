/**
 * `@tessera/verify/hono`: middleware that verifies tessera's access tokens
 * and sets `c.var.user` to the claims; guards that check them as DRF would
 * (each authenticates first when that was not done yet). Refusals are
 * answered as tessera answers them.
 *
 * @example
 * ```ts
 * import { tesseraHono, type TesseraEnv } from '@tessera/verify/hono';
 * const auth = tesseraHono(verifier);
 * const app = new Hono<TesseraEnv>();
 * app.get('/notes', auth.requirePermission('notes.view'), (c) => c.json({ user: c.var.user.username }));
 * ```
 */
import type { MiddlewareHandler } from 'hono';
import { authenticateRequest } from '../authorization.js';
import type { AccessClaims } from '../claims.js';
import { VerifyError } from '../errors.js';
import * as guards from '../guards.js';
import type { Verifier } from '../verifier.js';

/** The Hono environment the middleware sets: `c.var.user`. */
export interface TesseraEnv {
  Variables: { user: AccessClaims };
}

/** The middleware of one verifier. */
export interface TesseraHono {
  /** 401 unless the request carries a valid tessera access token; sets `c.var.user`. */
  authenticate: MiddlewareHandler<TesseraEnv>;
  requirePermission(permission: string): MiddlewareHandler<TesseraEnv>;
  requireRole(...roles: [string, ...string[]]): MiddlewareHandler<TesseraEnv>;
  requireStaff(): MiddlewareHandler<TesseraEnv>;
}

/**
 * @example
 * ```ts
 * app.use('/api/*', tesseraHono(verifier).authenticate);
 * ```
 */
export function tesseraHono(verifier: Verifier): TesseraHono {
  const handler =
    (guard: guards.Guard | undefined): MiddlewareHandler<TesseraEnv> =>
    async (c, next) => {
      try {
        let user = c.get('user') as AccessClaims | undefined;
        if (user === undefined) {
          user = await authenticateRequest(verifier, c.req.header('authorization'), {
            method: c.req.method,
            get url() {
              return c.req.url;
            },
            dpop: c.req.header('dpop'),
          });
          c.set('user', user);
        }
        guard?.(user);
      } catch (error) {
        if (!(error instanceof VerifyError)) throw error;
        return new Response(JSON.stringify(error.body), {
          status: error.statusCode,
          headers: { 'content-type': 'application/json', ...error.headers },
        });
      }
      await next();
    };
  return {
    authenticate: handler(undefined),
    requirePermission: (permission) => handler(guards.requirePermission(permission)),
    requireRole: (...roles) => handler(guards.requireRole(...roles)),
    requireStaff: () => handler(guards.requireStaff()),
  };
}
