/**
 * `@tessera/verify/express`: middleware that verifies tessera's access
 * tokens and sets `req.user` to the claims; guards that check them as DRF
 * would (each authenticates first when that was not done yet). Refusals are
 * answered as tessera answers them; any other error goes to `next`.
 *
 * @example
 * ```ts
 * import { tesseraExpress } from '@tessera/verify/express';
 * const auth = tesseraExpress(verifier);
 * app.get('/notes', auth.requirePermission('notes.view'), (req, res) => res.json({ user: req.user?.username }));
 * ```
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { authenticateRequest } from '../authorization.js';
import type { AccessClaims } from '../claims.js';
import { VerifyError } from '../errors.js';
import * as guards from '../guards.js';
import type { Verifier } from '../verifier.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // Passport declares `Request.user?: User` too; extending `User` keeps the two compatible.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends AccessClaims {}
    interface Request {
      /** The verified claims of the request's access token, once authenticated. */
      user?: User;
    }
  }
}

/** The middleware of one verifier. */
export interface TesseraExpress {
  /** 401 unless the request carries a valid tessera access token; sets `req.user`. */
  authenticate: RequestHandler;
  requirePermission(permission: string): RequestHandler;
  requireRole(...roles: [string, ...string[]]): RequestHandler;
  requireStaff(): RequestHandler;
}

/**
 * @example
 * ```ts
 * const auth = tesseraExpress(createVerifier({ url, service }));
 * app.use('/api', auth.authenticate);
 * ```
 */
export function tesseraExpress(verifier: Verifier): TesseraExpress {
  const handler =
    (guard: guards.Guard | undefined): RequestHandler =>
    (req: Request, res: Response, next: NextFunction) => {
      const run = async () => {
        req.user ??= (await authenticateRequest(verifier, req.headers.authorization, {
          method: req.method,
          // What a DPoP proof's htu names (behind a proxy, `trust proxy` decides the scheme); read only for DPoP.
          get url() {
            return `${req.protocol}://${req.get('host') ?? ''}${req.originalUrl}`;
          },
          dpop: req.headers.dpop,
        })) as AccessClaims & Express.User;
        guard?.(req.user);
      };
      run().then(
        () => next(),
        (error: unknown) => {
          if (!(error instanceof VerifyError)) return next(error);
          res.status(error.statusCode).set(error.headers).json(error.body);
        },
      );
    };
  return {
    authenticate: handler(undefined),
    requirePermission: (permission) => handler(guards.requirePermission(permission)),
    requireRole: (...roles) => handler(guards.requireRole(...roles)),
    requireStaff: () => handler(guards.requireStaff()),
  };
}
