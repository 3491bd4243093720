import { AuthClientError } from '@tessera/client';

/** Field errors as the API sends them: `{"new_password": ["This password is too common."]}`. */
export type FieldErrors = Record<string, string[]>;

/** A sentence for the user from anything a request may throw. */
export function messageOf(error: unknown): string {
  if (error instanceof AuthClientError) {
    if (error.code === 'network_error') return 'The server cannot be reached. Check your connection and try again.';
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
