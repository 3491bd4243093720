import { details, type ErrorCode } from '@tessera/protocol';

/**
 * The `code` of an {@link AuthClientError}: the server's wire code when it sent
 * one, or one of the client's own:
 *
 * - `network_error`: the request never got an HTTP answer (offline, DNS, CORS).
 * - `not_authenticated`: the call needs a session and there is none.
 * - `session_expired`: the refresh token was refused; the session is over.
 * - `bad_response`: the server answered 2xx with a body the client cannot use.
 * - `dpop_key_unavailable`: DPoP is on and the device's key could not be read or made (IndexedDB failed).
 * - `invalid` (the server's name for it): a 400 with field errors, listed in {@link AuthClientError.fields}.
 * - `http_error`: any other non-2xx answer without a `code`.
 *
 * A newer server may send codes this client does not know yet: they come
 * through as they are, so the type stays open while still completing the
 * known ones.
 */
export type AuthClientErrorCode =
  | ErrorCode
  | 'network_error'
  | 'not_authenticated'
  | 'session_expired'
  | 'bad_response'
  | 'http_error'
  | 'dpop_key_unavailable'
  | (string & {});

/**
 * The one error type the client throws (misuse of options is a `TypeError`).
 *
 * @example
 * ```ts
 * try {
 *   await auth.login('alice', 'wrong');
 * } catch (error) {
 *   if (error instanceof AuthClientError && error.code === 'no_active_account') showBadCredentials();
 * }
 * ```
 */
export class AuthClientError extends Error {
  override name = 'AuthClientError';
  /** The HTTP status, or 0 when there was no HTTP answer. */
  readonly statusCode: number;
  /** The server's `detail`, or a description of what went wrong. */
  readonly detail: string;
  /** The parsed error body, when there was one. */
  readonly body: unknown;
  /**
   * The answer's `Retry-After` in seconds (a 429 `throttled`, a 503), or null when it had none. Across
   * origins the browser shows it only if the server lists it in `Access-Control-Expose-Headers` (tessera does).
   */
  readonly retryAfterSeconds: number | null;
  /** DRF's field errors, e.g. `{"new_password": ["This password is too common."]}`; empty when there are none. */
  readonly fields: Readonly<Record<string, readonly string[]>>;

  constructor(
    readonly code: AuthClientErrorCode,
    detail: string,
    options: { statusCode?: number; body?: unknown; cause?: unknown; retryAfterSeconds?: number | null } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.detail = detail;
    this.statusCode = options.statusCode ?? 0;
    this.body = options.body;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
    this.fields = fieldErrorsIn(options.body);
  }
}

/** Whether `error` is a failure to reach the server (no HTTP answer). */
export function isNetworkError(error: unknown): boolean {
  return error instanceof AuthClientError && error.code === 'network_error';
}

/**
 * The error for a non-2xx answer. SimpleJWT's bad-credentials answer (a 401
 * without `code`) becomes `no_active_account`.
 */
export async function errorFromResponse(response: Response): Promise<AuthClientError> {
  const body = await readJson(response);
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const detail = typeof record.detail === 'string' ? record.detail : `HTTP ${response.status}`;
  const fieldErrors = response.status === 400 && Object.keys(fieldErrorsIn(body)).length > 0;
  const code: AuthClientErrorCode =
    typeof record.code === 'string' ? record.code : fieldErrors ? 'invalid' : codeWithout(response.status, detail);
  const options = { statusCode: response.status, body, retryAfterSeconds: retryAfterOf(response) };
  if (fieldErrors && typeof record.detail !== 'string') {
    return new AuthClientError(code, 'Please correct the fields.', options);
  }
  return new AuthClientError(code, detail, options);
}

/** `Retry-After` as seconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3); null if absent or unreadable. */
function retryAfterOf(response: Response): number | null {
  const header = response.headers.get('retry-after')?.trim();
  if (header === undefined || header === '') return null;
  if (/^\d+$/.test(header)) return Number(header);
  const at = Date.parse(header);
  if (Number.isNaN(at)) return null;
  const date = Date.parse(response.headers.get('date') ?? '');
  return Math.max(0, Math.ceil((at - (Number.isNaN(date) ? Date.now() : date)) / 1000));
}

/** The members of an error body that are lists of messages: DRF's field errors. */
function fieldErrorsIn(body: unknown): Record<string, string[]> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const fields: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string')) fields[name] = value;
  }
  return fields;
}

/** SimpleJWT sends some errors without `code`: name them from the status and the fixed `detail`. */
function codeWithout(status: number, detail: string): AuthClientErrorCode {
  if (detail === details.badCredentials || detail === details.noActiveAccountForToken) return 'no_active_account';
  if (status === 401) return 'not_authenticated';
  if (status === 429) return 'throttled';
  if (status === 503) return 'service_unavailable';
  if (status >= 500) return 'server_error';
  return 'http_error';
}

/** The JSON body of `response`, or undefined when there is none or it is not JSON. */
export async function readJson(response: Response): Promise<unknown> {
  try {
    const text = await response.text();
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}
