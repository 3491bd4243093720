import type { ProfileResponse } from '@tessera/protocol';
import { requirePrincipal } from '../authorization.js';
import { defineRoute } from '../route-spec.js';
import { bearer, errorResponses, schemas } from '../schemas.js';

export const profileRoute = defineRoute({
  method: 'GET',
  paths: ['/api/profile/'],
  auth: 'bearer',
  name: 'Profile',
  description: "The caller's own profile.",
  schema: { tags: ['profile'], security: bearer, response: { 200: schemas.profile, 401: errorResponses[401] } },
  async handler(ctx, request): Promise<ProfileResponse> {
    const { user } = await requirePrincipal(ctx, request);
    return { username: user.username, first_name: user.firstName, last_name: user.lastName, email: user.email };
  },
});
