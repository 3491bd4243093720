/** A bound on every request, so a server that hangs cannot stall the test. */
export const REQUEST_TIMEOUT_MS = 5000;

/** A response whose body was received to its end. */
export interface Reply {
  status: number;
  /** The parsed JSON body; undefined for an empty one (205). */
  body: unknown;
}

export interface CallOptions {
  /** Sent as JSON with POST; without it the request is a GET. */
  body?: unknown;
  /** An access token for `Authorization: Bearer`. */
  bearer?: string;
}

/**
 * One request to tessera. Resolves only once the whole body has arrived: a
 * response cut off mid-body rejects, as a request that got no answer does.
 *
 * @example
 * ```ts
 * const { status, body } = await call(base, '/api/token/', { body: { username, password } });
 * ```
 */
export async function call(baseUrl: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  const response = await fetch(`${baseUrl}${path}`, {
    method: options.body === undefined ? 'GET' : 'POST',
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** A token pair as /api/token/ and /api/token/refresh/ send it. */
export interface Pair {
  access: string;
  refresh: string;
}

/** The body as a pair; throws when it is not one. */
export function pairOf(body: unknown): Pair {
  const { access, refresh } = (body ?? {}) as Partial<Record<string, unknown>>;
  if (typeof access !== 'string' || typeof refresh !== 'string') {
    throw new Error(`expected a token pair, got ${JSON.stringify(body)}`);
  }
  return { access, refresh };
}

/** The token's `exp` in milliseconds, read without verifying. */
export function expiresAtMs(token: string): number {
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
  return typeof claims.exp === 'number' ? claims.exp * 1000 : 0;
}
