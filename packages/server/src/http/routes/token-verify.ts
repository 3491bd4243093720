import { paths } from '@tessera/protocol';
import { verifyAnyToken } from '../../auth/access.js';
import { TokenError, tokenNotValid } from '../../errors.js';
import { readFields } from '../body.js';
import { defineRoute } from '../route-spec.js';
import { bodyOf, emptyObject, errorResponses } from '../schemas.js';

export const tokenVerifyRoute = defineRoute({
  method: 'POST',
  paths: [paths.tokenVerify],
  auth: 'none',
  name: 'Token Verify',
  description: 'Check that a token, access or refresh, is valid and not revoked.',
  schema: {
    tags: ['tokens'],
    body: bodyOf({ token: 'An access or refresh token' }),
    response: { 200: emptyObject, ...errorResponses },
  },
  async handler(ctx, request) {
    const { token } = readFields(request, ['token']);
    try {
      await verifyAnyToken(ctx, token);
    } catch (error) {
      if (error instanceof TokenError) throw tokenNotValid(error);
      throw error;
    }
    return {};
  },
});
