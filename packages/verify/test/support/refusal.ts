import { VerifyError } from '../../src/index.js';

/** What a refused verify() says: its code, status and body. */
export interface Refusal {
  code: string;
  status: number;
  body: unknown;
  headers: Readonly<Record<string, string>>;
}

/** The refusal `promise` rejects with; fails when it resolves or rejects with anything else. */
export async function refusalOf(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof VerifyError) {
      return { code: error.code, status: error.statusCode, body: error.body, headers: error.headers };
    }
    throw error;
  }
  throw new Error('expected a refusal, got claims');
}

/** tessera's 401 body for a token that cannot be used, with SimpleJWT's message. */
export const tokenBody = (message = 'Token is invalid') => ({
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
});
