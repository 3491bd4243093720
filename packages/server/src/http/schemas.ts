/** JSON schemas of the wire format, for the OpenAPI document and fast serialisation. */

const token = { type: 'string', description: 'A JWS compact token (HS256).' } as const;

/** A body of string fields, all required unless named in `optional`. */
export function bodyOf(fields: Record<string, string>, optional: readonly string[] = []) {
  return {
    type: 'object',
    required: Object.keys(fields).filter((name) => !optional.includes(name)),
    properties: Object.fromEntries(
      Object.entries(fields).map(([name, description]) => [name, { type: 'string', description }]),
    ),
  } as const;
}

export function objectOf(properties: Record<string, unknown>) {
  return { type: 'object', required: Object.keys(properties), properties, additionalProperties: false } as const;
}

export const emptyObject = { type: 'object', additionalProperties: false } as const;

const errorBody = {
  type: 'object',
  properties: { detail: { type: 'string' }, code: { type: 'string' } },
  additionalProperties: true,
} as const;

export const errorResponses = {
  400: { description: 'Field errors, one list per field', type: 'object', additionalProperties: true },
  401: { description: 'Not authenticated, or the token cannot be used', ...errorBody },
} as const;

const time = { type: 'string', format: 'date-time' } as const;

/** Cookie mode's answer when the tokens went out as HttpOnly cookies only (`CookieSessionResponse`). */
const cookieSession = objectOf({
  access_expiration: time,
  refresh_expiration: time,
  claims: { type: 'object', description: "The access token's claims.", additionalProperties: true },
});

export const schemas = {
  token,
  pairLogin: { anyOf: [objectOf({ refresh: token, access: token }), cookieSession] },
  pairRefresh: { anyOf: [objectOf({ access: token, refresh: token }), cookieSession] },
  message: objectOf({ message: { type: 'string' } }),
  detail: objectOf({ detail: { type: 'string' } }),
  profile: {
    ...objectOf({
      username: { type: 'string' },
      first_name: { type: 'string' },
      last_name: { type: 'string' },
      email: { type: 'string' },
    }),
    // Sent only where addresses are verified (TESSERA_EMAIL_VERIFICATION); fast-json-stringify leaves out what is absent.
    properties: {
      username: { type: 'string' },
      first_name: { type: 'string' },
      last_name: { type: 'string' },
      email: { type: 'string' },
      email_verified: { type: 'boolean', description: 'Whether `email` was verified.' },
      pending_email: { type: 'string', description: 'A new address waiting for its verification; empty when none.' },
    },
  },
  sessions: {
    type: 'array',
    items: objectOf({
      id: { type: 'string' },
      created_at: time,
      last_used_at: time,
      ip: { type: 'string' },
      user_agent: { type: 'string' },
      device: { type: 'string' },
      current: { type: 'boolean' },
      device_bound: { type: 'boolean' },
    }),
  },
  revokeOthers: objectOf({ message: { type: 'string' }, revoked: { type: 'integer' } }),
};

/** Marks a route as needing `Authorization: Bearer <access token>`. */
export const bearer = [{ bearerAuth: [] as string[] }];

/**
 * With `TESSERA_DPOP_ACCESS=on`: Bearer for an unbound token, or
 * `Authorization: DPoP <access token>` with a `DPoP` proof for a bound one.
 */
export const bearerOrDpop = [{ bearerAuth: [] as string[] }, { dpopAuth: [] as string[] }];

/** The `DPoP` request header of the token endpoints (RFC 9449 §4), for the OpenAPI document. */
export const dpopRequestHeaders = {
  type: 'object',
  properties: {
    DPoP: {
      type: 'string',
      description:
        "A DPoP proof (RFC 9449): a `dpop+jwt` signed with the client's ES256 or EdDSA key. With it a login binds the session to the key; a bound session's refresh needs one by the same key, carrying the last `DPoP-Nonce`.",
    },
  },
} as const;

/** The `DPoP-Nonce` response header: the nonce the next proof on refresh must carry (RFC 9449 §8). */
export const dpopNonceResponseHeader = {
  'DPoP-Nonce': {
    type: 'string',
    description:
      'The nonce the next DPoP proof on refresh must carry; sent when the request had a proof, and with `use_dpop_nonce`.',
  },
} as const;

/** A response schema that also declares the `DPoP-Nonce` header. */
export function withDpopNonce<Schema extends object>(
  schema: Schema,
): Schema & { headers: typeof dpopNonceResponseHeader } {
  return { ...schema, headers: dpopNonceResponseHeader };
}

/** Marks a route as needing HTTP Basic with a service's name and secret. */
export const basic = [{ basicAuth: [] as string[] }];
