/**
 * Hostile request bodies on every endpoint that reads one: media types,
 * malformed and non-object JSON, type confusion, sizes, prototype keys, NUL
 * bytes. Each answer is the contract's exact 4xx; none is a 5xx.
 */
import { details, fieldMessages } from '@tessera/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createHostileServer, expectAnswer, type Expected, type HostileServer } from './support.js';

interface Endpoint {
  url: string;
  fields: readonly string[];
  /** Whether the endpoint wants a valid Bearer before it reads the body. */
  bearer: boolean;
  /** The answer to well-formed fields that are simply wrong. */
  wrong: Expected;
}

const ENDPOINTS: readonly Endpoint[] = [
  {
    url: '/api/token/',
    fields: ['username', 'password'],
    bearer: false,
    wrong: { status: 401, body: { detail: details.badCredentials } },
  },
  {
    url: '/api/token/refresh/',
    fields: ['refresh'],
    bearer: false,
    wrong: { status: 401, body: { detail: 'Token is invalid', code: 'token_not_valid' } },
  },
  {
    url: '/api/token/verify/',
    fields: ['token'],
    bearer: false,
    wrong: { status: 401, body: { detail: 'Token is invalid', code: 'token_not_valid' } },
  },
  {
    url: '/api/token/blacklist/',
    fields: ['refresh'],
    bearer: false,
    wrong: { status: 401, body: { detail: 'Token is invalid', code: 'token_not_valid' } },
  },
  {
    url: '/api/token/revoke/',
    fields: ['refresh'],
    bearer: true,
    wrong: { status: 400, body: { error: details.invalidToken } },
  },
];

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

type Payload = string | Buffer;
/** name, content type (undefined: none), the body for the endpoint's fields, the answer. */
type BodyRow = [
  name: string,
  contentType: string | undefined,
  payload: (fields: readonly string[]) => Payload,
  expected: (endpoint: Endpoint) => Expected,
];

const each = (fields: readonly string[], value: unknown) => Object.fromEntries(fields.map((field) => [field, value]));
const json = (value: unknown) => () => JSON.stringify(value);
const jsonOf = (value: unknown) => (fields: readonly string[]) => JSON.stringify(each(fields, value));
const form = (value: string) => (fields: readonly string[]) => fields.map((field) => `${field}=${value}`).join('&');

const fieldsSay =
  (message: string) =>
  (endpoint: Endpoint): Expected => ({ status: 400, body: each(endpoint.fields, [message]) });
const REQUIRED = fieldsSay(fieldMessages.required);
const wrong = (endpoint: Endpoint) => endpoint.wrong;
const notADict = (type: string) => (): Expected => ({
  status: 400,
  body: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${type}.`] },
});
const parseError = (what: string) => (): Expected => ({ status: 400, body: { detail: `JSON parse error - ${what}` } });
const unsupported = (type: string) => (): Expected => ({
  status: 415,
  body: { detail: `Unsupported media type "${type}" in request.` },
});
const TOO_LARGE = (): Expected => ({
  status: 413,
  body: { detail: details.payloadTooLarge, code: 'payload_too_large' },
});

const MiB = 1 << 20;
/** A JSON body of exactly `bytes` bytes holding none of the fields. */
const paddedTo = (bytes: number) => () => JSON.stringify({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });

const rows: BodyRow[] = [
  // Objects without the fields.
  ['{}', JSON_TYPE, json({}), REQUIRED],
  ['an empty JSON body', JSON_TYPE, () => '', REQUIRED],
  ['a JSON body of white space', JSON_TYPE, () => ' \r\n\t ', REQUIRED],
  ['only unknown fields', JSON_TYPE, json({ user: 'x', pass: 'y', admin: true }), REQUIRED],
  ['the fields under __proto__', JSON_TYPE, (fields) => `{"__proto__":${JSON.stringify(each(fields, 'x'))}}`, REQUIRED],
  [
    'the fields under constructor.prototype',
    JSON_TYPE,
    (fields) => JSON.stringify({ constructor: { prototype: each(fields, 'x') } }),
    REQUIRED,
  ],
  ['an empty form body', FORM_TYPE, () => '', REQUIRED],
  [
    'a form body whose first key starts with a byte-order mark',
    FORM_TYPE,
    (fields) => `\ufeff${fields.map((f) => `${f}=x`).join('&')}`,
    (endpoint) => ({ status: 400, body: { [endpoint.fields[0] as string]: [fieldMessages.required] } }),
  ],
  ['JSON sent as a form', FORM_TYPE, jsonOf('x'), REQUIRED],
  // JSON values that are not objects.
  ['a list', JSON_TYPE, () => '[]', notADict('list')],
  ['a list of the fields', JSON_TYPE, (fields) => JSON.stringify([each(fields, 'x')]), notADict('list')],
  ['a string', JSON_TYPE, () => '"alice"', notADict('str')],
  ['an integer', JSON_TYPE, () => '7', notADict('int')],
  ['a float', JSON_TYPE, () => '7.5', notADict('float')],
  ['true', JSON_TYPE, () => 'true', notADict('bool')],
  ['null', JSON_TYPE, () => 'null', notADict('NoneType')],
  // Malformed JSON: what is wrong, never the text that was sent.
  ['an unclosed object', JSON_TYPE, () => '{', parseError("Expected property name or '}' in JSON at position 1")],
  ['a missing value', JSON_TYPE, () => '{"a":}', parseError("Unexpected token '}'")],
  ['single quotes', JSON_TYPE, () => "{'a':'b'}", parseError("Expected property name or '}' in JSON at position 1")],
  [
    'a trailing comma',
    JSON_TYPE,
    () => '{"a":1,}',
    parseError('Expected double-quoted property name in JSON at position 7'),
  ],
  [
    'a second closing brace',
    JSON_TYPE,
    () => '{"a":1}}',
    parseError('Unexpected non-whitespace character after JSON at position 7'),
  ],
  [
    'a raw NUL in a string',
    JSON_TYPE,
    () => '{"a":"\u0000"}',
    parseError('Bad control character in string literal in JSON at position 6'),
  ],
  ['NaN', JSON_TYPE, () => 'NaN', parseError("Unexpected token 'N'")],
  ['undefined', JSON_TYPE, () => 'undefined', parseError("Unexpected token 'u'")],
  ['"[object Object]"', JSON_TYPE, () => '[object Object]', parseError("Unexpected token 'o'")],
  ['HTML', JSON_TYPE, () => '<script>alert(1)</script>', parseError("Unexpected token '<'")],
  [
    'a bare word after a field',
    JSON_TYPE,
    (fields) => `{"${fields[0]}": "x", "password": hunter2-is-my-password}`,
    parseError("Unexpected token 'h'"),
  ],
  ['10,000 unclosed brackets', JSON_TYPE, () => '['.repeat(10_000), parseError('Unexpected end of JSON input')],
  ['a byte-order mark', JSON_TYPE, () => '\ufeff{}', parseError("Unexpected token '\ufeff'")],
  // Media types other than JSON and forms.
  ...[
    'text/plain',
    'text/plain; charset=utf-8',
    'text/html',
    'application/xml',
    'application/octet-stream',
    'multipart/form-data; boundary=x',
    'application/jsonx',
    'application/json-patch+json',
    'application/vnd.api+json',
  ].map((type): BodyRow => [`the media type ${type}`, type, jsonOf('x'), unsupported(type)]),
  ['a body without a media type', undefined, jsonOf('x'), unsupported('')],
  // Media types Fastify itself would refuse as malformed: 415 all the same, after authentication.
  ...['', ';', '%%%', 'application/json, text/plain', 'application/json\u0000'].map((type): BodyRow => [
    `the malformed media type ${JSON.stringify(type)}`,
    type,
    jsonOf('x'),
    unsupported(type),
  ]),
  ['the media type in upper case', 'APPLICATION/JSON', jsonOf('x'), wrong],
  ['a JSON body labelled UTF-16 (read as UTF-8)', 'application/json; charset=utf-16', jsonOf('x'), wrong],
  // Sizes: 16 KiB is the most any route reads.
  ['a body of exactly 16 KiB', JSON_TYPE, paddedTo(16 * 1024), REQUIRED],
  ['a body of 16 KiB and one byte', JSON_TYPE, paddedTo(16 * 1024 + 1), TOO_LARGE],
  ['1 MiB in every field', JSON_TYPE, jsonOf('x'.repeat(MiB)), TOO_LARGE],
  ['8 MiB of JSON', JSON_TYPE, () => JSON.stringify({ pad: 'x'.repeat(8 * MiB) }), TOO_LARGE],
  ['8 MiB of form', FORM_TYPE, () => `pad=${'x'.repeat(8 * MiB)}`, TOO_LARGE],
  ['8 MiB of text/plain', 'text/plain', () => 'x'.repeat(8 * MiB), TOO_LARGE],
  ['8 MiB without a media type', undefined, () => 'x'.repeat(8 * MiB), TOO_LARGE],
  [
    'a field nested 5,000 arrays deep beside the fields',
    JSON_TYPE,
    (fields) => `${JSON.stringify(each(fields, 'x')).slice(0, -1)},"deep":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    wrong,
  ],
  ['6 KiB in every field', JSON_TYPE, jsonOf('x'.repeat(6 * 1024)), wrong],
  // Type confusion in every field.
  ['null in every field', JSON_TYPE, jsonOf(null), fieldsSay(fieldMessages.null)],
  ['true in every field', JSON_TYPE, jsonOf(true), fieldsSay(fieldMessages.notString)],
  ['false in every field', JSON_TYPE, jsonOf(false), fieldsSay(fieldMessages.notString)],
  ['an empty list in every field', JSON_TYPE, jsonOf([]), fieldsSay(fieldMessages.notString)],
  ['a list of a string in every field', JSON_TYPE, jsonOf(['x']), fieldsSay(fieldMessages.notString)],
  ['an empty object in every field', JSON_TYPE, jsonOf({}), fieldsSay(fieldMessages.notString)],
  ['a query operator object in every field', JSON_TYPE, jsonOf({ $gt: '' }), fieldsSay(fieldMessages.notString)],
  [
    '1e400 in every field',
    JSON_TYPE,
    (fields) => `{${fields.map((f) => `"${f}":1e400`).join(',')}}`,
    fieldsSay(fieldMessages.notString),
  ],
  ['an empty string in every field', JSON_TYPE, jsonOf(''), fieldsSay(fieldMessages.blank)],
  ['white space in every field', JSON_TYPE, jsonOf(' \t\n\u00a0'), fieldsSay(fieldMessages.blank)],
  ['a NUL byte in every field', JSON_TYPE, jsonOf('a\u0000b'), fieldsSay('Null characters are not allowed.')],
  ['a NUL byte in a form', FORM_TYPE, form('a%00b'), fieldsSay('Null characters are not allowed.')],
  [
    'a lone surrogate in every field',
    JSON_TYPE,
    jsonOf('a\ud800b'),
    fieldsSay('Surrogate characters are not allowed: U+D800.'),
  ],
  ['zero in every field', JSON_TYPE, jsonOf(0), wrong],
  ['a negative number in every field', JSON_TYPE, jsonOf(-1), wrong],
  ['a fraction in every field', JSON_TYPE, jsonOf(1.5), wrong],
  // Strings that are hostile only to a careless store or shell.
  ...["' OR '1'='1", "x'; DROP TABLE users; --", '" OR ""="', '%', '_', '\\', '$(reboot)', '../../etc/passwd'].map(
    (value): BodyRow => [`${JSON.stringify(value)} in every field`, JSON_TYPE, jsonOf(value), wrong],
  ),
  [
    'a duplicate key, the last one a string',
    JSON_TYPE,
    (fields) => `{${fields.map((f) => `"${f}":null,"${f}":"x"`).join(',')}}`,
    wrong,
  ],
  [
    '__proto__ beside the fields',
    JSON_TYPE,
    (fields) => `{"__proto__":{"admin":true},${JSON.stringify(each(fields, 'x')).slice(1)}`,
    wrong,
  ],
  ['invalid UTF-8 in every field', JSON_TYPE, (fields) => Buffer.from(jsonOf('\xff\xfe')(fields), 'latin1'), wrong],
  ['a form body with bad percent-encoding', FORM_TYPE, form('%zz%'), wrong],
  ['a form body with every field twice', FORM_TYPE, (fields) => `${form('')(fields)}&${form('x')(fields)}`, wrong],
];

describe.each(ENDPOINTS.map((endpoint) => [endpoint.url, endpoint] as const))(
  'POST %s with a hostile body',
  (_url, endpoint) => {
    let server: HostileServer;
    beforeAll(async () => {
      server = await createHostileServer();
    });
    afterAll(() => server.close());

    it.each(rows)('%s', async (_name, contentType, payload, expected) => {
      const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType };
      if (endpoint.bearer) headers.authorization = `Bearer ${(await server.login()).access}`;
      const response = await server.inject({
        method: 'POST',
        url: endpoint.url,
        headers,
        payload: payload(endpoint.fields),
      });
      expectAnswer(response, expected(endpoint));
    });
  },
);
