/**
 * Text from clients (user agents, emails, names, reasons) on its way to a
 * terminal or a log line: control characters become visible `\uXXXX`, so no
 * value can move the cursor, retitle a window, ring a bell or forge a line
 * when an operator reads `tessera users` or tails the log.
 */

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex -- matching them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Control characters as `\uXXXX` text; everything else as it was.
 *
 * @example
 * ```ts
 * escapeControl('curl\u001b]0;owned\u0007'); // 'curl\\u001b]0;owned\\u0007'
 * ```
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
