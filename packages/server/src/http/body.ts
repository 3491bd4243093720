/**
 * Request bodies as DRF reads them: JSON or form-encoded, parsed only when a
 * handler asks (so a 401 from authentication comes before a 415 or a parse
 * error, as in DRF), with DRF's messages for every failure.
 */
import { fieldMessages } from '@tessera/protocol';
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import { AuthError, fieldErrors } from '../errors.js';

/** What the content-type parsers leave in `request.body` for {@link readFields}. */
type RawBody =
  { kind: 'json'; text: string } | { kind: 'form'; text: string } | { kind: 'unsupported'; mediaType: string };

const RAW_BODY = Symbol('tessera.rawBody');
interface Marked {
  [RAW_BODY]: RawBody;
}

/** A media type Fastify can parse: `type/subtype`, then parameters. */
const MEDIA_TYPE = /^[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+[ \t]*(?:;.*)?$/s;

/** Stands in for a Content-Type header Fastify would refuse, so that the handler answers as for any unsupported type. */
const MALFORMED = 'application/x-tessera-malformed';

/** The Content-Type a client sent, when {@link MALFORMED} replaced it. */
const sentContentType = new WeakMap<FastifyRequest, string>();

/** Replaces Fastify's parsers with lazy ones that never throw. */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  // Fastify answers an empty or malformed Content-Type itself, before any
  // handler: DRF authenticates first, then answers 415 like any other type.
  app.addHook('onRequest', (request, _reply, next) => {
    const sent = request.headers['content-type'];
    if (sent !== undefined && !MEDIA_TYPE.test(sent.trim())) {
      sentContentType.set(request, sent);
      request.headers['content-type'] = MALFORMED;
    }
    next();
  });
  const keep = (raw: RawBody): Marked => ({ [RAW_BODY]: raw });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    done(null, keep({ kind: 'json', text: text as string }));
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, text, done) => {
    done(null, keep({ kind: 'form', text: text as string }));
  });
  app.addContentTypeParser('*', (request, payload, done) => {
    // Drain and drop: the body is refused only if a handler reads it. The
    // body limit still holds, as it does for the parsers Fastify reads for us.
    const limit = request.routeOptions.bodyLimit;
    if (Number(request.headers['content-length']) > limit) {
      done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), undefined);
      return;
    }
    let received = 0;
    let settled = false;
    const settle = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      if (error !== null) done(error, undefined);
      else {
        const mediaType = sentContentType.get(request) ?? request.headers['content-type'] ?? '';
        done(null, keep({ kind: 'unsupported', mediaType }));
      }
    };
    payload.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) settle(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    });
    payload.on('end', () => {
      settle(null);
    });
    payload.on('error', settle);
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

/**
 * V8's message for malformed JSON, without the part of the input that it
 * quotes back (`Unexpected token 'x', ..."password": x1"... is not valid JSON`):
 * a message should not echo what was sent. Node 24's V8 adds where the
 * position is (`at position 1 (line 1 column 2)`); it is cut, so that the
 * answer is the same on every Node.
 */
function parseJsonError(error: unknown, text: string): string {
  const message = (error instanceof Error ? error.message : 'invalid JSON').replace(/ \(line \d+ column \d+\)$/, '');
  if (!message.endsWith(' is not valid JSON')) return message;
  const token = /^Unexpected token '([\s\S]+?)', /.exec(message)?.[1];
  if (token !== undefined) return `Unexpected token '${token}'`;
  // The whole input is a word V8 names, such as `NaN` or `[object Object]`.
  const letter = /\p{L}/u.exec(text)?.[0];
  return letter === undefined ? 'Unexpected token' : `Unexpected token '${letter}'`;
}

/**
 * The body as an object, decoded as DRF's parsers would.
 * @throws {AuthError} 415, 400 parse error or 400 non-object.
 */
export function decodeBody(request: FastifyRequest): Record<string, unknown> {
  const raw = (request.body as Partial<Marked> | undefined)?.[RAW_BODY];
  if (raw === undefined) return {};
  if (raw.kind === 'unsupported') {
    throw new AuthError('unsupported_media_type', { detail: `Unsupported media type "${raw.mediaType}" in request.` });
  }
  if (raw.kind === 'form') return Object.fromEntries(new URLSearchParams(raw.text));
  if (raw.text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw.text);
  } catch (error) {
    // DRF's JSONParser words, and no `code`: clients match this body as DRF sends it.
    throw new AuthError('parse_error', { body: { detail: `JSON parse error - ${parseJsonError(error, raw.text)}` } });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fieldErrors({
      non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonTypeName(value)}.`],
    });
  }
  return value as Record<string, unknown>;
}

type FieldResult = { ok: true; value: string | undefined } | { ok: false; message: string };

/** How one string field is read. The default is DRF's `CharField`: required, not blank. */
export interface FieldSpec {
  /** An absent key is left out of the values instead of an error (PATCH, optional fields). */
  optional?: boolean;
  /** `""` (after trimming) is a value, not an error. */
  allowBlank?: boolean;
  /** Longest value accepted, in characters, as Django's `max_length`. */
  maxLength?: number;
}

const REQUIRED: FieldSpec = {};

/**
 * What DRF's `CharField` refuses in any text, body field or query value: NUL
 * (which PostgreSQL cannot store or compare) and lone surrogates.
 * @returns DRF's message, or undefined when the text is acceptable.
 */
export function textProblem(text: string): string | undefined {
  if (text.includes('\0')) return 'Null characters are not allowed.';
  const surrogate = /\p{Surrogate}/u.exec(text);
  if (surrogate === null) return undefined;
  return `Surrogate characters are not allowed: U+${surrogate[0].charCodeAt(0).toString(16).toUpperCase()}.`;
}

/** DRF's `CharField`: trimmed, not blank unless allowed, no NUL or lone surrogates. */
function charField(present: boolean, value: unknown, spec: FieldSpec): FieldResult {
  if (!present)
    return spec.optional === true ? { ok: true, value: undefined } : { ok: false, message: fieldMessages.required };
  if (value === null) return { ok: false, message: fieldMessages.null };
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return { ok: false, message: fieldMessages.notString };
  if (text === '' && spec.allowBlank !== true) return { ok: false, message: fieldMessages.blank };
  const problem = textProblem(text);
  if (problem !== undefined) return { ok: false, message: problem };
  if (spec.maxLength !== undefined && [...text].length > spec.maxLength) {
    return { ok: false, message: `Ensure this field has no more than ${spec.maxLength} characters.` };
  }
  return { ok: true, value: text };
}

/** The values read and the fields that failed, before a handler adds its own checks. */
export interface FieldsRead<Name extends string> {
  values: Partial<Record<Name, string>>;
  errors: FieldErrors<Name>;
}

/** Messages per field; {@link throwFieldErrors} sends them in declaration order. */
export type FieldErrors<Name extends string> = Partial<Record<Name, string[]>>;

/**
 * Reads the body's string fields by `specs`, collecting every failure rather
 * than throwing, so that a handler can add its own checks (a password policy,
 * a taken username) to the same answer. Unknown fields are ignored.
 * @throws {AuthError} 415, 400 parse error or 400 non-object.
 */
export function collectFields<const Name extends string>(
  request: FastifyRequest,
  specs: Readonly<Record<Name, FieldSpec>>,
): FieldsRead<Name> {
  return collectFieldsOf(decodeBody(request), specs);
}

/** {@link collectFields} on a body already decoded, for a handler that also reads fields of other types. */
export function collectFieldsOf<const Name extends string>(
  body: Record<string, unknown>,
  specs: Readonly<Record<Name, FieldSpec>>,
): FieldsRead<Name> {
  const values: Partial<Record<Name, string>> = {};
  const errors: FieldErrors<Name> = {};
  for (const name of Object.keys(specs) as Name[]) {
    const result = charField(Object.hasOwn(body, name), body[name], specs[name]);
    if (!result.ok) errors[name] = [result.message];
    else if (result.value !== undefined) values[name] = result.value;
  }
  return { values, errors };
}

/**
 * Sends `errors` as the contract's 400, fields in the order of `order`.
 * Returns when there are none.
 * @throws {AuthError}
 */
export function throwFieldErrors<Name extends string>(errors: FieldErrors<Name>, order: readonly Name[]): void {
  const ordered: Record<string, string[]> = {};
  for (const name of order) {
    const messages = errors[name];
    if (messages !== undefined && messages.length > 0) ordered[name] = messages;
  }
  if (Object.keys(ordered).length > 0) throw fieldErrors(ordered);
}

/**
 * Reads the named required string fields of the body, reporting every failing
 * field together in declaration order; unknown fields are ignored.
 * @throws {AuthError} 415, 400 parse error, 400 non-object or 400 field errors.
 */
export function readFields<const Name extends string>(
  request: FastifyRequest,
  names: readonly Name[],
): Record<Name, string> {
  const specs = Object.fromEntries(names.map((name) => [name, REQUIRED])) as Record<Name, FieldSpec>;
  const { values, errors } = collectFields(request, specs);
  throwFieldErrors(errors, names);
  return values as Record<Name, string>;
}
