import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { CsrfTokens } from '../cookie-mode/csrf-tokens.js';
import type { DpopNonces } from '../dpop/nonce.js';
import type { FailedRotations } from './failed-rotations.js';
import type { Throttle } from '../rate-limit/throttle.js';
import type { SuccessorIds } from '../ids.js';
import type { PasswordHasher } from '../passwords/hasher.js';
import type { RedisStatus } from '../revocation/runtime.js';
import type { FeedTail } from '../revocation/feed-tail.js';
import type { SessionCache } from '../revocation/session-cache.js';
import type { Store, SessionUser } from '../store/types.js';
import type { MintBinding, TokenSubject, TokenMinter, TokenSettings } from '../tokens/claims.js';
import type { JwtCodec } from '../tokens/jwt.js';
import type { KeyRing } from '../keys/ring.js';
import type { LegacySimplejwt } from '../legacy/simplejwt.js';
import type { OutboxWorker } from '../mail/outbox-worker.js';

/** Everything the authentication flows need, injected. */
export interface AuthContext {
  readonly store: Store;
  /** Sessions as protected requests see them: cached, dropped on revocation. */
  readonly sessions: Pick<SessionCache, 'find'>;
  /**
   * The revocation feed's streams: the shared reader of the log, how often an
   * idle stream says it is alive, and how many unread bytes cut a stream.
   */
  readonly revocationFeed: {
    readonly tail: Pick<FeedTail, 'join'>;
    readonly heartbeatMs: number;
    readonly maxBacklogBytes: number;
  };
  /** Redis as readiness reports it; undefined without Redis. */
  readonly redisStatus: () => Promise<RedisStatus | undefined>;
  readonly hasher: PasswordHasher;
  readonly jwt: JwtCodec;
  /** The signing keys: what the JWKS and the metadata document publish. */
  readonly keys: Pick<KeyRing, 'publicKeys' | 'algorithms'>;
  readonly minter: TokenMinter;
  readonly settings: AuthSettings;
  readonly clock: Clock;
  readonly randomId: () => string;
  /** CSRF tokens for cookie mode. */
  readonly csrf: CsrfTokens;
  /** The nonces DPoP proofs on refresh must carry. */
  readonly dpopNonces: DpopNonces;
  /** Rate limits on the guarded endpoints. */
  readonly throttle: Pick<Throttle, 'attempt'>;
  /** Rotations whose answer failed, whose retry is served as the grace window would serve it. */
  readonly failedRotations: FailedRotations;
  /** The ids of a refresh token's successor pair, derived from its own. */
  readonly successorIds: (parentJti: string) => SuccessorIds;
  /** SimpleJWT's tokens during a move from Django (`TESSERA_SIMPLEJWT_SIGNING_KEY`); undefined otherwise. */
  readonly legacySimplejwt: LegacySimplejwt | undefined;
  /** The mail outbox's sender: kicked when a request has committed a message, so it goes out at once. */
  readonly mail: Pick<OutboxWorker, 'kick'>;
}

/** The settings the flows read: how tokens are shaped, and whether anyone may sign up. */
export type AuthSettings = TokenSettings &
  Pick<
    Config,
    | 'registrationOpen'
    | 'legacyDrfTokens'
    | 'emailVerification'
    | 'dpop'
    | 'dpopAccess'
    | 'cookieMode'
    | 'cookieSecure'
    | 'cookieSameSite'
    | 'corsOrigins'
    | 'pathPrefix'
  >;

/** A fresh pair, in the order each endpoint sends it. */
export interface TokenPair {
  access: string;
  refresh: string;
}

/** A pair just issued for a session: what cookie mode sets. */
export interface IssuedPair extends TokenPair {
  sessionId: string;
  /** When the refresh token expires, in milliseconds since the epoch. */
  refreshExpiresAt: number;
}

/** Where an access token goes: into the answer's body, or only into cookie mode's HttpOnly cookie. */
export type AccessDelivery = 'body' | 'cookie_only';

/**
 * What a session's access tokens are bound to: its DPoP key when
 * `TESSERA_DPOP_ACCESS=on` and the session is bound, else nothing (Bearer).
 * A token that goes out only as an HttpOnly cookie is never bound: the page
 * cannot read it, so it cannot compute the proof's `ath`, and script cannot
 * copy it out either, which is what binding would guard against. The
 * session's refresh binding holds all the same.
 */
export function accessBindingOf(
  settings: Pick<AuthSettings, 'dpopAccess'>,
  sessionJkt: string | null | undefined,
  delivery: AccessDelivery = 'body',
): MintBinding {
  return settings.dpopAccess && delivery === 'body' && typeof sessionJkt === 'string' ? { jkt: sessionJkt } : {};
}

/** The user facts tokens carry, from a stored user. */
export function subjectOf(user: SessionUser): TokenSubject {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    permissions: user.permissions,
    is_staff: user.isStaff,
    is_superuser: user.isSuperuser,
    email_verified: user.emailVerified,
  };
}
