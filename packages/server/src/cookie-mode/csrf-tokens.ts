import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Double-submit CSRF tokens bound to a session: `<nonce>.<HMAC(nonce, session)>`, base64url. */
export interface CsrfTokens {
  /** A new token for `sessionId`, or for no session yet (before login). */
  issue(sessionId: string | null): string;
  /** Whether `token` was issued by this server for `sessionId`. */
  verify(token: string, sessionId: string | null): boolean;
}

const TOKEN = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;

/** Tokens keyed by a key derived from the signing key: stateless, and useless to anyone without it. */
export function createCsrfTokens(secretKey: string): CsrfTokens {
  const key = createHmac('sha256', secretKey).update('tessera csrf tokens v1').digest();
  const mac = (nonce: string, sessionId: string | null) =>
    createHmac('sha256', key)
      .update(`${nonce}|${sessionId ?? ''}`)
      .digest();
  return {
    issue(sessionId) {
      const nonce = randomBytes(16).toString('base64url');
      return `${nonce}.${mac(nonce, sessionId).toString('base64url')}`;
    },
    verify(token, sessionId) {
      if (!TOKEN.test(token)) return false;
      const [nonce = '', given = ''] = token.split('.');
      return timingSafeEqual(Buffer.from(given, 'base64url'), mac(nonce, sessionId));
    },
  };
}

/** Whether two strings are equal, in time that depends only on their length. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
