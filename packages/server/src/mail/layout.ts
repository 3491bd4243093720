/**
 * One message's plain-text and HTML bodies from the same parts, in the web
 * app's style (its colours and type, inline: mail clients drop stylesheets).
 */

/** What a message says: a heading, paragraphs, and at most one button with its link. */
export interface MessageParts {
  subject: string;
  heading: string;
  paragraphs: readonly string[];
  /** A link shown as a button, and in full in the text body. */
  action?: { label: string; url: string };
  /** A code to type instead of following the link. */
  code?: { label: string; value: string };
  /** Small print after the rest. */
  footer?: string;
}

/** A message ready for the transport. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

const ACCENT = '#3a3fb8';
const TEXT = '#1b1f2a';
const MUTED = '#505a6b';
const BACKGROUND = '#f6f7fb';
const FONT = "system-ui,-apple-system,'Segoe UI',Roboto,sans-serif";

/**
 * @example
 * ```ts
 * renderMail('alice@example.com', { subject: 'Hi', heading: 'Hi', paragraphs: ['Hello.'] });
 * // { to: 'alice@example.com', subject: 'Hi', text: 'Hi\n\nHello.\n', html: '<!doctype html>…' }
 * ```
 */
export function renderMail(to: string, parts: MessageParts): OutgoingMail {
  return { to, subject: parts.subject, text: textOf(parts), html: htmlOf(parts) };
}

function textOf({ heading, paragraphs, action, code, footer }: MessageParts): string {
  const blocks = [heading, ...paragraphs];
  if (action !== undefined) blocks.push(`${action.label}:\n${action.url}`);
  if (code !== undefined) blocks.push(`${code.label}:\n${code.value}`);
  if (footer !== undefined) blocks.push(`--\n${footer}`);
  return `${blocks.join('\n\n')}\n`;
}

function htmlOf({ subject, heading, paragraphs, action, code, footer }: MessageParts): string {
  const paragraph = (text: string) => `<p style="margin:0 0 16px">${escapeHtml(text)}</p>`;
  const button =
    action === undefined
      ? ''
      : `<p style="margin:24px 0"><a href="${escapeHtml(action.url)}" style="background:${ACCENT};color:#ffffff;` +
        `padding:12px 20px;border-radius:12px;text-decoration:none;font-weight:600;display:inline-block">` +
        `${escapeHtml(action.label)}</a></p>` +
        `<p style="margin:0 0 16px;color:${MUTED};font-size:14px;word-break:break-all">${escapeHtml(action.url)}</p>`;
  const codeBlock =
    code === undefined
      ? ''
      : `<p style="margin:0 0 8px">${escapeHtml(code.label)}:</p>` +
        `<p style="margin:0 0 16px;font-family:ui-monospace,monospace;font-size:15px;word-break:break-all">` +
        `${escapeHtml(code.value)}</p>`;
  const small =
    footer === undefined ? '' : `<p style="margin:24px 0 0;color:${MUTED};font-size:13px">${escapeHtml(footer)}</p>`;
  return [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    `<body style="margin:0;padding:24px;background:${BACKGROUND};color:${TEXT};font-family:${FONT};line-height:1.5">`,
    '<div style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #d5dae3;border-radius:12px;padding:32px">',
    `<h1 style="margin:0 0 16px;font-size:22px">${escapeHtml(heading)}</h1>`,
    ...paragraphs.map(paragraph),
    button,
    codeBlock,
    small,
    '</div></body></html>',
    '',
  ].join('\n');
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in HTML content and in a double-quoted attribute: a username is anyone's choice. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}
