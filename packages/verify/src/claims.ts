/**
 * What a verified token's claims must say, in tessera's order and with
 * SimpleJWT's messages: time claims, issuer and audience (PyJWT's rules),
 * then — after revocation, which verifier.ts checks between the two — the
 * claims every tessera token has and the `access` type.
 */
import { audienceAccepted, tokenMessages, type AccessClaims } from '@tessera/protocol';
import { noUserIdentification, tokenNotValid } from './errors.js';

export type { AccessClaims };

/** What {@link checkTimeAndParty} compares with. */
export interface ClaimRules {
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  readonly clockToleranceSeconds: number;
}

const ID = /^[0-9a-f]{32}$/;

/**
 * `iat`, `nbf` and `exp` (integers; not yet valid, issued in the future,
 * expired), then `iss` and `aud` — what PyJWT checks while decoding.
 * @throws {VerifyError} `Token is invalid` or `Token is expired`.
 */
export function checkTimeAndParty(claims: Readonly<Record<string, unknown>>, rules: ClaimRules, nowMs: number): void {
  const { iat, nbf, exp } = claims;
  for (const value of [iat, nbf, exp]) {
    if (value !== undefined && !Number.isSafeInteger(value)) throw tokenNotValid();
  }
  const leewayMs = rules.clockToleranceSeconds * 1000;
  if (typeof nbf === 'number' && nbf * 1000 > nowMs + leewayMs) throw tokenNotValid();
  if (typeof iat === 'number' && iat * 1000 > nowMs + leewayMs) throw tokenNotValid();
  if (typeof exp === 'number' && exp * 1000 <= nowMs - leewayMs) throw tokenNotValid(tokenMessages.expired);
  if (rules.issuer !== undefined && claims.iss !== rules.issuer) throw tokenNotValid();
  if (!audienceAccepted(claims.aud, rules.audience)) throw tokenNotValid();
}

/**
 * The claims every tessera access token has, in SimpleJWT's order of
 * messages, and the `access` type (a refresh token is `Token has wrong type`).
 * @throws {VerifyError}
 */
export function requireAccessClaims(claims: Readonly<Record<string, unknown>>): AccessClaims {
  if (!('exp' in claims)) throw tokenNotValid(tokenMessages.noExp);
  if (!('jti' in claims)) throw tokenNotValid(tokenMessages.noId);
  if (typeof claims.jti !== 'string' || !ID.test(claims.jti)) throw tokenNotValid();
  if (!('token_type' in claims)) throw tokenNotValid(tokenMessages.noType);
  if (claims.token_type !== 'access') throw tokenNotValid(tokenMessages.wrongType);
  if (typeof claims.user_id !== 'string' || claims.user_id === '') throw noUserIdentification();
  if (typeof claims.sid !== 'string' || !ID.test(claims.sid) || typeof claims.iat !== 'number') {
    throw tokenNotValid();
  }
  return claims as unknown as AccessClaims;
}
