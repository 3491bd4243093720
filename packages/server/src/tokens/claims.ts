/**
 * What tessera puts in a token and what it requires of one it reads, in the
 * contract's check order: signature, algorithm and expiry ({@link readToken}),
 * then revocation (the caller's store), then claims and type
 * ({@link requireClaims}), then the user (the caller).
 */
import { audienceAccepted, tokenMessages } from '@tessera/protocol';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { TokenError, invalidToken } from '../errors.js';
import type { JwtCodec } from './jwt.js';

export type TokenType = 'access' | 'refresh';

/** The user facts a token can carry. */
export interface TokenSubject {
  id: number;
  username: string;
  role: string;
  permissions: readonly string[];
  is_staff: boolean;
  is_superuser: boolean;
  email_verified: boolean;
}

/** The parts of {@link Config} that shape tokens. */
export type TokenSettings = Pick<
  Config,
  | 'accessTokenTtlSeconds'
  | 'refreshTokenTtlSeconds'
  | 'sessionMaxAgeSeconds'
  | 'refreshGraceSeconds'
  | 'extraClaims'
  | 'issuer'
  | 'audience'
  | 'leewaySeconds'
>;

/** A token just minted, with what the store records of it. */
export interface IssuedToken {
  token: string;
  jti: string;
  issuedAt: number;
  expiresAt: number;
}

/** The claims of a token that passed every check. */
export interface VerifiedClaims {
  token_type: TokenType;
  exp: number;
  jti: string;
  [claim: string]: unknown;
}

const JTI = /^[0-9a-f]{32}$/;

/** When a token is issued and the latest it may expire, in milliseconds since the epoch. */
export interface MintTiming {
  /** Defaults to the clock; a re-issued successor passes its original time to come out identical. */
  issuedAt?: number;
  /** The session's absolute end: `exp` never passes it. */
  notAfter?: number;
}

/** What an access token is bound to: the thumbprint of the session's DPoP key, as `cnf.jkt` (RFC 9449 §6.1). */
export interface MintBinding {
  jkt?: string | undefined;
}

export interface TokenMinter {
  /** Mints a token of `type` for `subject` in session `sessionId`. */
  mint(
    type: TokenType,
    subject: TokenSubject,
    sessionId: string,
    jti: string,
    timing?: MintTiming,
    binding?: MintBinding,
  ): IssuedToken;
}

export function createTokenMinter(jwt: JwtCodec, settings: TokenSettings, clock: Clock): TokenMinter {
  return {
    mint(type, subject, sessionId, jti, timing = {}, binding = {}) {
      const iat = Math.floor((timing.issuedAt ?? clock.now()) / 1000);
      const ttl = type === 'access' ? settings.accessTokenTtlSeconds : settings.refreshTokenTtlSeconds;
      const notAfter = timing.notAfter === undefined ? Infinity : Math.floor(timing.notAfter / 1000);
      const exp = Math.min(iat + ttl, notAfter);
      const claims: Record<string, unknown> = {
        token_type: type,
        exp,
        iat,
        jti,
        user_id: String(subject.id),
        username: subject.username,
        sid: sessionId,
      };
      for (const name of settings.extraClaims) claims[name] = subject[name];
      if (settings.issuer !== undefined) claims.iss = settings.issuer;
      if (settings.audience !== undefined) claims.aud = settings.audience;
      if (binding.jkt !== undefined) claims.cnf = { jkt: binding.jkt };
      return { token: jwt.sign(claims), jti, issuedAt: iat * 1000, expiresAt: exp * 1000 };
    },
  };
}

/**
 * Signature, algorithm, the types of the time claims, `nbf`, expiry, and
 * `iss`/`aud` when configured — what PyJWT checks while decoding.
 * @throws {TokenError} `Token is invalid` or `Token is expired`.
 */
export function readToken(
  jwt: JwtCodec,
  settings: TokenSettings,
  clock: Clock,
  token: unknown,
): Record<string, unknown> {
  const claims = jwt.verify(token);
  const nowMs = clock.now();
  const leewayMs = settings.leewaySeconds * 1000;
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    if (name in claims && !Number.isSafeInteger(claims[name])) throw invalidToken();
  }
  if (typeof claims.nbf === 'number' && claims.nbf * 1000 > nowMs + leewayMs) throw invalidToken();
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= nowMs - leewayMs) {
    throw new TokenError(tokenMessages.expired);
  }
  if (settings.issuer !== undefined && claims.iss !== settings.issuer) throw invalidToken();
  if (!audienceAccepted(claims.aud, settings.audience)) throw invalidToken();
  return claims;
}

/**
 * The claims every tessera token must have, and its type when one is expected.
 * @throws {TokenError} SimpleJWT's message for the first claim that fails.
 */
export function requireClaims(claims: Record<string, unknown>, expectedType?: TokenType): VerifiedClaims {
  if (!('exp' in claims)) throw new TokenError(tokenMessages.noExp);
  if (!('jti' in claims)) throw new TokenError(tokenMessages.noId);
  if (typeof claims.jti !== 'string' || !JTI.test(claims.jti)) throw invalidToken();
  // Untyped (verify) still requires one of tessera's two types.
  if (!('token_type' in claims)) throw new TokenError(tokenMessages.noType);
  const typeMatches =
    expectedType === undefined
      ? claims.token_type === 'access' || claims.token_type === 'refresh'
      : claims.token_type === expectedType;
  if (!typeMatches) throw new TokenError(tokenMessages.wrongType);
  return claims as VerifiedClaims;
}

/** The `sid` claim, when it is a well-formed session id. */
export function sessionIdOf(claims: Record<string, unknown>): string | undefined {
  return typeof claims.sid === 'string' && JTI.test(claims.sid) ? claims.sid : undefined;
}

/** The `user_id` claim as a database id, when it is one. */
export function userIdOf(claims: Record<string, unknown>): number | undefined {
  const raw = claims.user_id;
  if (typeof raw !== 'string' || !/^[1-9]\d{0,15}$/.test(raw)) return undefined;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : undefined;
}
