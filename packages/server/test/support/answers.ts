/** The contract's error bodies, as tests expect them. */

/** 401 on the token endpoints. */
export const tokenRefused = (message: string) => ({ detail: message, code: 'token_not_valid' });

/** 401 on a protected endpoint, for an access token that cannot be used. */
export const accessRefused = (message: string) => ({
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
});
