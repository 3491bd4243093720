/**
 * Request bodies as DRF reads them: JSON or form-encoded, parsed only when a
 * handler asks (so a 401 from authentication comes before a 415 or a parse
 * error, as in DRF), with DRF's messages for every failure.
 */
import { fieldMessages } from '@tessera/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError, fieldErrors } from '../errors.js';

/** What the content-type parsers leave in `request.body` for {@link readFields}. */
type RawBody =
  { kind: 'json'; text: string } | { kind: 'form'; text: string } | { kind: 'unsupported'; mediaType: string };

const RAW_BODY = Symbol('tessera.rawBody');
interface Marked {
  [RAW_BODY]: RawBody;
}

/** Replaces Fastify's parsers with lazy ones that never throw. */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  const keep = (raw: RawBody): Marked => ({ [RAW_BODY]: raw });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    done(null, keep({ kind: 'json', text: text as string }));
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, text, done) => {
    done(null, keep({ kind: 'form', text: text as string }));
  });
  app.addContentTypeParser('*', (request, payload, done) => {
    // Drain and drop: the body is refused only if a handler reads it.
    payload.resume();
    payload.on('end', () => {
      done(null, keep({ kind: 'unsupported', mediaType: request.headers['content-type'] ?? '' }));
    });
    payload.on('error', (error) => {
      done(error, undefined);
    });
  });
}

/** DRF's names for JSON values that are not objects. */
function pythonTypeName(value: unknown): string {
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'dict';
}

function parseJsonError(error: unknown): string {
  const message = error instanceof Error ? error.message : 'invalid JSON';
  // V8 quotes the input back; a message should not echo what was sent.
  return message.replace(/,\s*".*" is not valid JSON$/s, '');
}

function decodeBody(request: FastifyRequest): Record<string, unknown> {
  const raw = (request.body as Partial<Marked> | undefined)?.[RAW_BODY];
  if (raw === undefined) return {};
  if (raw.kind === 'unsupported') {
    throw new AuthError(415, 'unsupported_media_type', {
      detail: `Unsupported media type "${raw.mediaType}" in request.`,
    });
  }
  if (raw.kind === 'form') return Object.fromEntries(new URLSearchParams(raw.text));
  if (raw.text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw.text);
  } catch (error) {
    throw new AuthError(400, 'parse_error', { detail: `JSON parse error - ${parseJsonError(error)}` });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fieldErrors({
      non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonTypeName(value)}.`],
    });
  }
  return value as Record<string, unknown>;
}

type FieldResult = { ok: true; value: string } | { ok: false; message: string };

/** DRF's `CharField` with its defaults: trimmed, not blank, no NUL or lone surrogates. */
function charField(present: boolean, value: unknown): FieldResult {
  if (!present) return { ok: false, message: fieldMessages.required };
  if (value === null) return { ok: false, message: fieldMessages.null };
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return { ok: false, message: fieldMessages.notString };
  if (text === '') return { ok: false, message: fieldMessages.blank };
  if (text.includes('\0')) return { ok: false, message: 'Null characters are not allowed.' };
  const surrogate = /\p{Surrogate}/u.exec(text);
  if (surrogate !== null) {
    const code = surrogate[0].charCodeAt(0).toString(16).toUpperCase();
    return { ok: false, message: `Surrogate characters are not allowed: U+${code}.` };
  }
  return { ok: true, value: text };
}

/**
 * Reads the named string fields of the body, reporting every failing field
 * together in declaration order; unknown fields are ignored.
 * @throws {AuthError} 415, 400 parse error, 400 non-object or 400 field errors.
 */
export function readFields<const Name extends string>(
  request: FastifyRequest,
  names: readonly Name[],
): Record<Name, string> {
  const body = decodeBody(request);
  const values = {} as Record<Name, string>;
  const errors: Record<string, string[]> = {};
  for (const name of names) {
    const result = charField(Object.hasOwn(body, name), body[name]);
    if (result.ok) values[name] = result.value;
    else errors[name] = [result.message];
  }
  if (Object.keys(errors).length > 0) throw fieldErrors(errors);
  return values;
}
