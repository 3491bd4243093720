import { readFileSync } from 'node:fs';
import { ERROR_CODES, errorTable, type ErrorCode } from '@tessera/protocol';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../src/errors.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The rows of README's error-code table: `| \`code\` | status | when |`. */
function documentedCodes(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const match of README.matchAll(/^\| `([a-z_]+)` +\| (\d{3}) +\|/gm)) {
    rows.set(match[1] as string, Number(match[2]));
  }
  return rows;
}

describe('the error table', () => {
  it('README lists exactly the codes of the ErrorCode union, each with its status', () => {
    const documented = documentedCodes();
    expect([...documented.keys()].sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) expect([code, documented.get(code)]).toEqual([code, errorTable[code].status]);
  });

  it.each(ERROR_CODES.map((code) => [code]))('%s: status and detail come from the table', (code: ErrorCode) => {
    const error = new AuthError(code);
    const spec = errorTable[code];
    expect(error.statusCode).toBe(spec.status);
    expect(error.body).toEqual(spec.named ? { detail: spec.detail, code } : { detail: spec.detail });
    expect(error.message).toBe(spec.detail);
  });

  it('a detail of its own keeps the status and the code, and extra members follow them in order', () => {
    const error = new AuthError('token_not_valid', { detail: 'Token is expired', extra: { messages: [] } });
    expect(error.statusCode).toBe(401);
    expect(JSON.stringify(error.body)).toBe('{"detail":"Token is expired","code":"token_not_valid","messages":[]}');
  });

  it('a body of another shape is sent as given, with the status of its code', () => {
    const error = new AuthError('invalid', { body: { username: ['This field is required.'] } });
    expect([error.statusCode, error.body]).toEqual([400, { username: ['This field is required.'] }]);
  });

  it('a code the union does not know does not compile', () => {
    // @ts-expect-error: codes are a closed set.
    expect(() => new AuthError('no_such_code')).toThrow(TypeError);
  });
});
