/**
 * What a service behind tessera reads to verify tokens on its own: the
 * public keys, the metadata document that points at them, and the feed of
 * revocations. Paths are relative to tessera's base URL (its path prefix
 * included), like the API's.
 */
export const verificationPaths = {
  /** The public signing keys (RFC 7517), never a private or symmetric one. */
  jwks: '/.well-known/jwks.json',
  /** Issuer, `jwks_uri` and the token endpoints (RFC 8414's member names). */
  metadata: '/.well-known/oauth-authorization-server',
  /** Server-sent events, or JSON with `?since=CURSOR`; HTTP Basic with a service's name and secret. */
  revocations: '/api/token/revocations/',
} as const;

/** The algorithms tessera signs with: SimpleJWT's `ALGORITHM` names. */
export const SIGNING_ALGORITHMS = ['HS256', 'EdDSA', 'ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/**
 * What a revocation makes a verifier refuse:
 * - `session`: every token whose `sid` is `target` (a logout; and each
 *   session that revoke-all, a password change, a deactivation or a deletion
 *   ended has an event of its own);
 * - `user`: nothing to refuse; the user `target` changed (the claims of
 *   tokens issued before may be out of date until they expire);
 * - `key`: every token whose `kid` is `target` (the key was revoked);
 * - `keys`: nothing; the key set changed (a rotation): fetch the JWKS again.
 */
export type RevocationFeedKind = 'session' | 'user' | 'key' | 'keys';

/** One revocation, as the feed sends it. */
export interface RevocationFeedEvent {
  /** The cursor just past this event: `?since=` it, or SSE's `Last-Event-ID`, continues after it. */
  cursor: string;
  kind: RevocationFeedKind;
  target: string;
  /** When it happened, in seconds since the epoch (compare with `iat`). */
  at: number;
}

/**
 * `GET /api/token/revocations/?since=CURSOR` answers this. An empty `since`
 * (a verifier starting) begins one access-token lifetime back: the
 * revocations that still refuse tokens not yet expired. `reset` says the
 * cursor was older than the log still holds: events were missed, so the
 * verifier refuses every token issued at or before `reset_at` (clients
 * refresh) and continues from `cursor`.
 *
 * The SSE form sends each event as `event: revocation` with `id:` the event's
 * cursor and `data:` the event's JSON; first an `event: ready` whose `id:` is
 * the cursor it starts from (and `data:` `{"reset":…,"reset_at":…}` like the
 * JSON form); and a `: heartbeat` comment every 15 s.
 */
export interface RevocationFeedPage {
  events: RevocationFeedEvent[];
  cursor: string;
  reset: boolean;
  /** Seconds since the epoch; present when `reset` is true. */
  reset_at?: number;
}

/** The metadata document at {@link verificationPaths.metadata}. */
export interface VerificationMetadata {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  token_refresh_endpoint: string;
  token_verify_endpoint: string;
  revocation_feed_endpoint: string;
  /** The algorithms of the keys tessera holds now (signing or still accepted). */
  token_signing_alg_values_supported: SigningAlgorithm[];
}
