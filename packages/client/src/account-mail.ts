import { paths } from '@tessera/protocol';
import { errorFromResponse } from './errors.js';
import { discardBody, postJson, type FetchLike } from './http.js';

/**
 * The forgotten-password and address-verification calls: public, so they
 * carry no credentials. Each resolves on a 2xx and throws an
 * {@link AuthClientError} otherwise.
 */
export interface AccountMailCalls {
  /**
   * Asks for a reset mail. Resolves alike whether or not an account has the
   * address (the server answers the same); throws `throttled` (429) past the
   * limit, `invalid` for an address that is not one.
   */
  requestPasswordReset(email: string): Promise<void>;
  /**
   * Sets a new password with the token from the mail (its link's `token`, or
   * the code). Every session of the user ends and no one is logged in: log in
   * next. Throws `reset_token_invalid`, `reset_token_expired`,
   * `reset_token_used`, `reset_token_stale`, or `invalid` with the password
   * policy's messages in `fields.new_password`.
   */
  confirmPasswordReset(token: string, newPassword: string): Promise<void>;
  /**
   * Verifies an address with the token from the verification mail. Throws
   * `verify_token_invalid`, `verify_token_expired`, `verify_token_used` or
   * `verify_token_stale`. A logged-in client sees `email_verified` in the
   * profile (and in the claims, if the server puts it there) from its next refresh.
   */
  verifyEmail(token: string): Promise<void>;
  /** Asks for the verification mail again; resolves alike for any address, throws `throttled` past the limit. */
  resendVerification(email: string): Promise<void>;
}

/** The calls against the API that `apiUrl` resolves paths on. */
export function accountMailCalls(fetchImpl: FetchLike, apiUrl: (path: string) => string): AccountMailCalls {
  const post = async (path: string, body: unknown) => {
    const response = await postJson(fetchImpl, apiUrl(path), body);
    if (!response.ok) throw await errorFromResponse(response);
    discardBody(response);
  };
  return {
    requestPasswordReset: (email) => post(paths.passwordReset, { email }),
    confirmPasswordReset: (token, newPassword) =>
      post(paths.passwordResetConfirm, { token, new_password: newPassword }),
    verifyEmail: (token) => post(paths.emailVerify, { token }),
    resendVerification: (email) => post(paths.emailVerifyResend, { email }),
  };
}
