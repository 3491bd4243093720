/**
 * CSV as RFC 4180 writes it, safe to open in a spreadsheet: a cell that
 * starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed
 * with `'`, so client text (a failed login's username) cannot become a
 * formula (OWASP's CSV injection advice).
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: quoted when it holds a comma, a quote or a line break. */
export function csvCell(value: string | number | boolean | null): string {
  let text = value === null ? '' : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows of cells as CSV lines, each ended by CRLF. */
export function csvLines(rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>): string {
  return rows.map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}
