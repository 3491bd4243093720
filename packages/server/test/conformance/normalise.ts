// What of an answer is compared, with what is expected to vary between two
// correct servers taken out: token values, each JSON parser's wording, the
// view names OPTIONS reports, the order of Allow, and the SimpleJWT version.
import { EXTENSION_METHODS } from './divergences.js';
import type { Answer, Row } from './requests.js';

/** The part of an answer the comparison sees. */
export interface Signature {
  status: number;
  /** JSON, key order kept; '' for an empty body; `{ '<non-JSON>': … }` for anything else. */
  body: unknown;
  wwwAuthenticate: string | null;
  /**
   * As a sorted set: DRF builds it from a Python set, so its order changes
   * between processes. Compared on every answer: DRF's views put it on all
   * of theirs, and so does tessera. tessera's documented extension methods
   * ({@link EXTENSION_METHODS}) are taken out.
   */
  allow: string | null;
  location: string | null;
}

const JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const PARSE_ERROR = 'JSON parse error - ';

/**
 * The contract follows the latest SimpleJWT where versions differ; Debian's
 * 5.2.2 says one thing for both of the latest's messages.
 */
const OLD_WORDING: Readonly<Record<string, string>> = {
  'Token is invalid': 'Token is invalid or expired',
  'Token is expired': 'Token is invalid or expired',
};

function normaliseValue(value: unknown, wording: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return JWT.test(value) ? '<jwt>' : (wording[value] ?? value);
  if (Array.isArray(value)) return value.map((item) => normaliseValue(item, wording));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normaliseValue(item, wording)]));
  }
  return value;
}

function normaliseBody(answer: Answer, row: Row, wording: Readonly<Record<string, string>>): unknown {
  if (answer.text === '') return '';
  let body: unknown;
  try {
    body = normaliseValue(JSON.parse(answer.text), wording);
  } catch {
    return { '<non-JSON>': answer.text.slice(0, 80) };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const fields = body as Record<string, unknown>;
  if (row.parseError && typeof fields.detail === 'string' && fields.detail.startsWith(PARSE_ERROR)) {
    return { ...fields, detail: `${PARSE_ERROR}…` };
  }
  if (answer.method === 'OPTIONS') {
    // Each backend names and describes its own view classes.
    return {
      ...fields,
      ...('name' in fields ? { name: '…' } : {}),
      ...('description' in fields ? { description: '…' } : {}),
    };
  }
  return fields;
}

function normaliseAllow(answer: Answer, exact: boolean): string | null {
  if (answer.allow === null) return null;
  const extensions = exact ? [] : (EXTENSION_METHODS[answer.path] ?? []);
  return answer.allow
    .split(',')
    .map((method) => method.trim().toUpperCase())
    .filter((method) => method !== '' && !extensions.includes(method))
    .sort()
    .join(', ');
}

/**
 * What `row`'s answer looks like with the expected variation taken out;
 * `exact` keeps tessera's messages and extension methods as they are (for a
 * divergence, whose tessera answer is stated exactly).
 *
 * @example
 * ```ts
 * signatureOf({ method: 'POST', path: '/api/token/', status: 200, text: '{"refresh":"eyJ…","access":"eyJ…"}', allow: 'POST, OPTIONS', … }, row);
 * // { status: 200, body: { refresh: '<jwt>', access: '<jwt>' }, allow: 'OPTIONS, POST', … }
 * ```
 */
export function signatureOf(answer: Answer, row: Row, { exact = false } = {}): Signature {
  return {
    status: answer.status,
    body: normaliseBody(answer, row, exact ? {} : OLD_WORDING),
    wwwAuthenticate: answer.wwwAuthenticate,
    allow: normaliseAllow(answer, exact),
    location: answer.location,
  };
}
