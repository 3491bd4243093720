import { describe, expect, it } from 'vitest';
import { formatLogLine, type LogOutput } from '../../src/http/log-format.js';
import { createTestServer } from '../support/server.js';

const PASSWORD = 'correct horse battery';
const TIME = String.raw`\d\d:\d\d:\d\d`;
const MS = String.raw`\d+(\.\d)? ms`;

/** A log destination that keeps each write, a terminal or not. */
function logOutput(isTTY: boolean): LogOutput & { lines: string[] } {
  const lines: string[] = [];
  return { isTTY, lines, write: (text: string) => lines.push(text) };
}

/** The lines one successful login and one unknown path write, with the app logging to `out`. */
async function logOfTwoRequests(env: Record<string, string>, out: LogOutput): Promise<void> {
  const server = await createTestServer(env, { logTo: out });
  try {
    await server.createUser('alice', PASSWORD);
    await server.post('/api/token/', { username: 'alice', password: PASSWORD }, { 'user-agent': 'curl/8.5' });
    await server.app.inject({ method: 'GET', url: '/nowhere' });
  } finally {
    await server.close();
  }
}

describe('the server log', () => {
  const prettyLines = [
    new RegExp(
      `^${TIME} INFO security event: login_success user_id=1 session_id=[0-9a-f]{32} client_ip=127.0.0.1 user_agent=curl/8.5\\n$`,
    ),
    new RegExp(`^${TIME} POST /api/token/ 200 ${MS}\\n$`),
    new RegExp(`^${TIME} GET /nowhere 404 ${MS}\\n$`),
  ];

  it.for<[string, Record<string, string>, boolean]>([
    ['on a terminal', {}, true],
    ['with LOG_FORMAT=pretty when stdout is not a terminal', { LOG_FORMAT: 'pretty' }, false],
  ])('%s is one readable line per request and per event', async ([, env, isTTY]) => {
    const out = logOutput(isTTY);
    await logOfTwoRequests(env, out);
    expect(out.lines).toHaveLength(prettyLines.length);
    out.lines.forEach((line, i) => expect(line).toMatch(prettyLines[i]!));
  });

  it.for<[string, Record<string, string>, boolean]>([
    ['when stdout is not a terminal', {}, false],
    ['with LOG_FORMAT=json on a terminal', { LOG_FORMAT: 'json' }, true],
  ])('%s stays JSON, one record per request', async ([, env, isTTY]) => {
    const out = logOutput(isTTY);
    await logOfTwoRequests(env, out);
    const records = out.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((record) => record.msg)).toEqual([
      'security event: login_success',
      'request completed',
      'request completed',
    ]);
    expect(records.filter((record) => record.msg === 'request completed').map(requestOf)).toEqual([
      { method: 'POST', url: '/api/token/', statusCode: 200, remoteAddress: '127.0.0.1' },
      { method: 'GET', url: '/nowhere', statusCode: 404, remoteAddress: '127.0.0.1' },
    ]);
    // The login's event (its request's own logger) and its access line (written without one) name the same request.
    const [event, login, other] = records.map((record) => record.reqId);
    expect(event).toMatch(/^req-/);
    expect(login).toBe(event);
    expect(other).not.toBe(event);
  });
});

/** What a JSON access line says of its request, without the fields that vary from run to run. */
function requestOf(record: Record<string, unknown>) {
  const { method, url, statusCode, remoteAddress } = record;
  return { method, url, statusCode, remoteAddress };
}

describe('formatLogLine', () => {
  const time = Date.UTC(2026, 0, 2, 3, 4, 5);
  const local = new Date(time).toTimeString().slice(0, 8);
  const line = (record: object) =>
    formatLogLine(`${JSON.stringify({ level: 30, time, pid: 7, hostname: 'h', ...record })}\n`);

  it.for<[string, object, string]>([
    ['a warning', { level: 40, msg: 'no secret key set' }, `${local} WARN no secret key set\n`],
    [
      'a request',
      { method: 'GET', url: '/x?a=1', statusCode: 304, responseTime: 0.4321 },
      `${local} GET /x?a=1 304 0.4 ms\n`,
    ],
    [
      'a slow request',
      { method: 'POST', url: '/api/token/', statusCode: 200, responseTime: 21.4 },
      `${local} POST /api/token/ 200 21 ms\n`,
    ],
    [
      'fields, quoted when they have spaces, JSON when objects',
      { msg: 'pruned', removed: { tokens: 2 }, reason: 'Token is blacklisted', reqId: 'req-1' },
      `${local} INFO pruned removed={"tokens":2} reason="Token is blacklisted"\n`,
    ],
    [
      'control characters, escaped',
      { msg: 'odd\u001b[31m', user_agent: 'curl\u0007' },
      `${local} INFO odd\\u001b[31m user_agent=curl\\u0007\n`,
    ],
    [
      "an error's stack, indented below",
      {
        level: 50,
        msg: 'unhandled error',
        err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.js:1:1)' },
      },
      `${local} ERROR unhandled error\n    Error: boom\n        at f (x.js:1:1)\n`,
    ],
  ])('writes %s as a person reads it', ([, record, expected]) => {
    expect(line(record)).toBe(expected);
  });

  it('passes a line that is not JSON unchanged', () => {
    expect(formatLogLine('not json\n')).toBe('not json\n');
  });
});
