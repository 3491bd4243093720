/**
 * The settings of a move from Django, read with the rest of the
 * configuration (config.ts): the SimpleJWT key whose tokens tessera still
 * accepts until a date, and whether DRF `Token` keys authenticate.
 */

export interface LegacySettings {
  /**
   * The Django project's SimpleJWT `SIGNING_KEY`: its outstanding tokens are
   * accepted (verified only; tessera never signs with it) until
   * `simplejwtUntil`. Undefined when no cutover is under way.
   */
  readonly simplejwt: { readonly signingKey: string; readonly untilMs: number } | undefined;
  /** Whether `Authorization: Token <key>` (DRF's TokenAuthentication) authenticates; off by default. */
  readonly legacyDrfTokens: boolean;
}

/** `2026-12-31` or `2026-12-31T18:00:00Z` (an offset, or UTC when none is given). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Reads `TESSERA_SIMPLEJWT_SIGNING_KEY`, `TESSERA_SIMPLEJWT_UNTIL` and
 * `TESSERA_LEGACY_DRF_TOKENS`; each problem is pushed to `problems` with how to fix it.
 *
 * @example
 * ```ts
 * const env: Record<string, string> = { TESSERA_SIMPLEJWT_SIGNING_KEY: 'django-insecure-…', TESSERA_SIMPLEJWT_UNTIL: '2027-01-31' };
 * parseLegacySettings((name) => env[name], []).simplejwt?.untilMs; // Date.UTC(2027, 0, 31)
 * ```
 */
export function parseLegacySettings(read: (name: string) => string | undefined, problems: string[]): LegacySettings {
  const signingKey = read('TESSERA_SIMPLEJWT_SIGNING_KEY');
  const until = read('TESSERA_SIMPLEJWT_UNTIL');
  let simplejwt: LegacySettings['simplejwt'];
  if (signingKey !== undefined || until !== undefined) {
    const untilMs = until === undefined || !ISO_DATE.test(until) ? NaN : parseUtc(until);
    if (signingKey === undefined) {
      problems.push(
        'TESSERA_SIMPLEJWT_UNTIL needs TESSERA_SIMPLEJWT_SIGNING_KEY: the Django project\'s SIMPLE_JWT["SIGNING_KEY"] (by default its SECRET_KEY).',
      );
    } else if (Number.isNaN(untilMs)) {
      problems.push(
        `TESSERA_SIMPLEJWT_UNTIL=${JSON.stringify(until ?? '')} must be an ISO 8601 date or date-time, e.g. 2027-01-31 ` +
          'or 2027-01-31T18:00:00Z, after which SimpleJWT tokens stop working; it is required with TESSERA_SIMPLEJWT_SIGNING_KEY.',
      );
    } else simplejwt = Object.freeze({ signingKey, untilMs });
  }
  const drf = (read('TESSERA_LEGACY_DRF_TOKENS') ?? 'off').toLowerCase();
  if (drf !== 'on' && drf !== 'off') {
    problems.push(`TESSERA_LEGACY_DRF_TOKENS=${JSON.stringify(drf)} must be on or off.`);
  }
  return { simplejwt, legacyDrfTokens: drf === 'on' };
}

function parseUtc(text: string): number {
  const withZone = text.length === 10 || /(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`;
  return Date.parse(withZone);
}
