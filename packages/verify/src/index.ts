export { createVerifier, type Verifier, type VerifierInternals } from './verifier.js';
export type { Clock, StalePolicy, VerifierOptions } from './options.js';
export type { AccessClaims } from './claims.js';
export { VerifyError, type ErrorBody } from './errors.js';
export {
  authenticateRequest,
  parseAuthorizationHeader,
  type AuthorizationHeader,
  type RequestContext,
} from './authorization.js';
export type { PresentedRequest } from './dpop.js';
export { createMemoryReplayCache, type DpopReplayCache } from './dpop-replay.js';
export { requireAuthenticated, requirePermission, requireRole, requireStaff, type Guard } from './guards.js';
export { MAX_TOKEN_LENGTH } from './token.js';
