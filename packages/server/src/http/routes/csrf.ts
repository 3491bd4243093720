import { paths } from '@tessera/protocol';
import { csrfTokenFor } from '../../cookie-mode/transport.js';
import { setCsrfCookie } from '../../cookie-mode/cookies.js';
import { defineRoute } from '../route-spec.js';
import { objectOf } from '../schemas.js';

export const csrfRoute = defineRoute({
  method: 'GET',
  paths: [paths.csrf],
  auth: 'none',
  name: 'CSRF Token',
  description:
    'A CSRF token for cookie mode, also set as the readable `csrftoken` cookie: echo it in `X-CSRFToken` on unsafe requests, login included.',
  schema: { tags: ['sessions'], response: { 200: objectOf({ csrfToken: { type: 'string' } }) } },
  handler(ctx, request, reply) {
    const { token, fresh } = csrfTokenFor(ctx, request);
    if (fresh) setCsrfCookie(reply, ctx.settings, token);
    return Promise.resolve({ csrfToken: token });
  },
});
