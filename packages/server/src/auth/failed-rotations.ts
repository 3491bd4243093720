/**
 * How long after a rotation whose answer failed its retry is still served:
 * the longest a rotation's answer can take (the store's connect and statement
 * timeouts, under 6 s), the 2 s of Retry-After that the 503 asks the client to
 * wait, and room for a client's own backoff.
 */
export const FAILED_ROTATION_RETRY_SECONDS = 15;

/** The most rotations remembered at once; past it the oldest are forgotten first. */
const MAX_REMEMBERED = 10_000;

/**
 * Refresh tokens whose rotation failed to answer (a 5xx): the rotation may
 * have committed all the same, and a client that retries as the 503 invites
 * must get the pair it missed, not be taken for a thief. Without this, the
 * retry of a committed rotation is reuse whenever it falls outside the grace
 * window (always, with `TESSERA_REFRESH_GRACE_SECONDS=0`).
 *
 * Kept by the instance that answered, where a client's retry usually lands;
 * a retry that reaches another instance is served by the grace window alone.
 */
export interface FailedRotations {
  remember(jti: string, at: number): void;
  /** Whether the rotation of `jti` failed to answer within the retry window before `now`. */
  forgives(jti: string, now: number): boolean;
}

export function createFailedRotations(): FailedRotations {
  const failedAt = new Map<string, number>();
  return {
    remember(jti, at) {
      failedAt.delete(jti);
      if (failedAt.size >= MAX_REMEMBERED) failedAt.delete(failedAt.keys().next().value as string);
      failedAt.set(jti, at);
    },
    forgives(jti, now) {
      const at = failedAt.get(jti);
      return at !== undefined && now - at < FAILED_ROTATION_RETRY_SECONDS * 1000;
    },
  };
}
