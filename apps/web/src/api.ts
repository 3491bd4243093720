import { AuthClientError } from '@tessera/client';

/** Field errors as the API sends them: `{"new_password": ["This password is too common."]}`. */
export type FieldErrors = Record<string, string[]>;

/**
 * A 429 in plain words, from how long the server asks to wait (its
 * `Retry-After`, or the seconds its `detail` names).
 *
 * @example
 * ```ts
 * throttledMessage(3600); // 'Too many attempts. Try again in about an hour.'
 * ```
 */
export function throttledMessage(seconds: number | undefined): string {
  const minutes = Math.ceil((seconds ?? NaN) / 60);
  let when = 'later';
  if (minutes <= 1) when = 'in about a minute';
  else if (minutes < 50) when = `in about ${minutes} minutes`;
  else if (minutes <= 90) when = 'in about an hour';
  else if (minutes > 90) when = `in about ${Math.round(minutes / 60)} hours`;
  return `Too many attempts. Try again ${when}.`;
}

/** The seconds a throttled answer's `detail` names: "Request was throttled. Expected available in 60 seconds." */
function secondsIn(detail: string): number | undefined {
  const match = /available in (\d+) seconds?/.exec(detail);
  return match === null ? undefined : Number(match[1]);
}

/** A sentence for the user from anything a request may throw. */
export function messageOf(error: unknown): string {
  if (error instanceof AuthClientError) {
    if (error.code === 'network_error') return 'The server cannot be reached. Check your connection and try again.';
    if (error.statusCode === 429) return throttledMessage(secondsIn(error.detail));
    if (error.detail) return error.detail;
  }
  return 'Something went wrong. Please try again.';
}

/** The body of an error response: its `detail`, and its field errors if it has any. */
export async function errorOf(response: Response): Promise<{ detail: string; fields: FieldErrors }> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: the generic message below.
  }
  const fields: FieldErrors = {};
  let detail = `The server answered ${response.status}.`;
  if (typeof body === 'object' && body !== null) {
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (key === 'detail' && typeof value === 'string') detail = value;
      else if (Array.isArray(value)) fields[key] = value.filter((item): item is string => typeof item === 'string');
    }
    if (Object.keys(fields).length > 0 && !('detail' in body)) detail = 'Please correct the fields below.';
  }
  if (response.status === 429) {
    const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
    detail = throttledMessage(Number.isFinite(retryAfter) ? retryAfter : secondsIn(detail));
  }
  return { detail, fields };
}

/** A date as "24 Nov 2026, 14:03", in the reader's locale. */
export function formatTime(iso: string | null): string {
  if (iso === null) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
