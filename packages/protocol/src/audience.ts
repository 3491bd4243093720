/**
 * PyJWT's audience rule, which SimpleJWT inherits and every verifier of
 * tessera's tokens applies (tessera itself and `@tessera/verify`): without a
 * configured audience a token naming one is refused (it was meant for
 * another service), unless its `aud` is empty in Python's sense; with one,
 * `aud` must be it or a list of strings containing it.
 *
 * @example
 * ```ts
 * audienceAccepted(['a', 'b'], 'b'); // true
 * audienceAccepted('a', undefined); // false
 * audienceAccepted([], undefined); // true
 * ```
 */
export function audienceAccepted(aud: unknown, expected: string | undefined): boolean {
  if (expected === undefined) return !pythonTruthy(aud);
  if (aud === expected) return true;
  return Array.isArray(aud) && aud.every((item) => typeof item === 'string') && aud.includes(expected);
}

/** Whether Python would take the JSON value as true: not null, false, 0, "", [] or {}. */
function pythonTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}
