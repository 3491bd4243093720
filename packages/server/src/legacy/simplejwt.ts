/**
 * SimpleJWT's tokens during a move from Django: the Django project's
 * outstanding tokens keep working, signed with its key, until
 * `TESSERA_SIMPLEJWT_UNTIL`. The key only verifies; tessera never signs with it.
 */
import { tokenMessages } from '@tessera/protocol';
import type { Clock } from '../clock.js';
import { TokenError } from '../errors.js';
import type { TokenType } from '../tokens/claims.js';
import { createVerifyOnlyKey } from '../tokens/jwt.js';
import type { LegacySettings } from './settings.js';

/** What tessera takes from a SimpleJWT token whose signature checked out. */
export interface LegacyClaims {
  jti: string;
  /** `user_id` as SimpleJWT wrote it: a number before 5.5.1, a string since. */
  userId: number;
  /** Milliseconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

export interface LegacySimplejwt {
  /**
   * The claims of `token` when it is a SimpleJWT token of `type` signed with
   * the Django project's key, before the cutover's end; undefined for any
   * other token, which tessera's own checks then answer.
   * @throws {TokenError} `Token is expired` for a legacy token past its expiry.
   */
  read(token: unknown, type: TokenType): LegacyClaims | undefined;
}

/** SimpleJWT's jti: uuid4's hex, what tessera's refresh_tokens keep too. */
const JTI = /^[0-9a-f]{32}$/;

/**
 * The cutover's reader, or undefined when no cutover is configured.
 * @example
 * ```ts
 * const legacy = createLegacySimplejwt(config, config.leewaySeconds, clock);
 * legacy?.read(token, 'refresh'); // { jti, userId, issuedAt, expiresAt } or undefined
 * ```
 */
export function createLegacySimplejwt(
  settings: LegacySettings,
  leewaySeconds: number,
  clock: Clock,
): LegacySimplejwt | undefined {
  const { simplejwt } = settings;
  if (simplejwt === undefined) return undefined;
  const verify = createVerifyOnlyKey(simplejwt.signingKey, simplejwt.untilMs, clock);
  return {
    read(token, type) {
      let claims: Readonly<Record<string, unknown>>;
      try {
        claims = verify(token);
      } catch {
        return undefined;
      }
      // tessera's own tokens carry a session; one signed with a key Django shares is tessera's to check.
      if ('sid' in claims || claims.token_type !== type) return undefined;
      const { jti, exp, iat } = claims;
      const userId = legacyUserId(claims.user_id);
      if (typeof jti !== 'string' || !JTI.test(jti) || userId === undefined) return undefined;
      if (!Number.isSafeInteger(exp) || (iat !== undefined && !Number.isSafeInteger(iat))) return undefined;
      const expiresAt = (exp as number) * 1000;
      if (expiresAt <= clock.now() - leewaySeconds * 1000) throw new TokenError(tokenMessages.expired);
      return { jti, userId, issuedAt: typeof iat === 'number' ? iat * 1000 : clock.now(), expiresAt };
    },
  };
}

/** A user id as SimpleJWT writes it, an integer or its decimal string. */
function legacyUserId(raw: unknown): number | undefined {
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string' || !/^[1-9]\d{0,15}$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : undefined;
}
