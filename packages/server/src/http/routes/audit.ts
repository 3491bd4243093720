import { paths } from '@tessera/protocol';
import type { FastifyRequest } from 'fastify';
import { parseTime } from '../../clock.js';
import { AuthError, fieldErrors } from '../../errors.js';
import { textProblem } from '../body.js';
import { AUDIT_EVENTS, type AuditEvent } from '../../auth/events.js';
import type { AuditQuery, AuditRecord, Store } from '../../store/types.js';
import { csvLines } from '../csv.js';
import { defineRoute } from '../route-spec.js';
import { errorResponses } from '../schemas.js';

const DEFAULT_PAGE_SIZE = 50;
/** Every query parameter the route reads; each is checked as a body field would be. */
const QUERY_PARAMS = ['user', 'event', 'since', 'until', 'page', 'page_size', 'format'] as const;
const MAX_PAGE_SIZE = 500;
/** The most entries one CSV export holds, newest first: narrow it with the filters for more. */
export const MAX_CSV_ROWS = 100_000;
const CSV_BATCH = 1000;
const CSV_HEADER = ['id', 'at', 'event', 'user_id', 'username', 'session_id', 'ip', 'user_agent', 'details'];

/** One entry as the API shows it. */
function present(record: AuditRecord) {
  return {
    id: record.id,
    at: new Date(record.at).toISOString(),
    event: record.event,
    user_id: record.userId,
    username: record.username,
    session_id: record.sessionId,
    ip: record.ip,
    user_agent: record.userAgent,
    details: record.details,
  };
}

/** The first value of a query parameter, if it is a string. */
function param(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === 'string' && first.trim() !== '' ? first.trim() : undefined;
}

/** A page number or size: a whole number from 1. */
function positiveInteger(text: string | undefined): number | undefined {
  return text !== undefined && /^[1-9]\d{0,8}$/.test(text) ? Number(text) : undefined;
}

const invalidPage = () => new AuthError('not_found', { detail: 'Invalid page.' });

export const auditListRoute = defineRoute({
  method: 'GET',
  paths: [paths.audit, paths.adminAudit],
  auth: 'staff',
  name: 'Audit Log',
  description:
    'Security events, newest first; staff only. Filters: user (a username), event, since and until ' +
    '(ISO 8601 or epoch milliseconds); pages: page, page_size (at most 500); format=csv: every matching ' +
    `entry (at most ${MAX_CSV_ROWS}) as a CSV download.`,
  schema: {
    tags: ['audit'],
    querystring: {
      type: 'object',
      properties: {
        user: { type: 'string' },
        event: { type: 'string', enum: [...AUDIT_EVENTS] },
        since: { type: 'string' },
        until: { type: 'string' },
        page: { type: 'integer', minimum: 1 },
        page_size: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE },
        format: { type: 'string', enum: ['json', 'csv'] },
      },
    },
    response: { 401: errorResponses[401] },
  },
  async handler(ctx, request, reply) {
    const query = readAuditQuery(request);
    const username = param(request, 'user');
    if (username !== undefined) {
      const named = await ctx.store.findUserByUsername(username);
      query.user = { id: named?.id, username };
    }
    if (param(request, 'format') === 'csv') {
      void reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="tessera-audit.csv"');
      return exportCsv(ctx.store, query);
    }
    const page = param(request, 'page') === undefined ? 1 : positiveInteger(param(request, 'page'));
    if (page === undefined) throw invalidPage();
    const { count, records } = await ctx.store.listAudit({ ...query, offset: (page - 1) * query.limit });
    if (page > 1 && records.length === 0) throw invalidPage();
    const link = (target: number) => {
      const search = new URLSearchParams(request.query as Record<string, string>);
      search.set('page', String(target));
      return `${request.url.split('?')[0] ?? ''}?${search.toString()}`;
    };
    return {
      count,
      next: page * query.limit < count ? link(page + 1) : null,
      previous: page > 1 ? link(page - 1) : null,
      results: records.map(present),
    };
  },
});

/** The filters and page size of the request. @throws {AuthError} 400 naming each bad filter. */
function readAuditQuery(request: FastifyRequest): Omit<AuditQuery, 'offset'> {
  const errors: Record<string, string[]> = {};
  for (const name of QUERY_PARAMS) {
    const text = param(request, name);
    const problem = text === undefined ? undefined : textProblem(text);
    if (problem !== undefined) errors[name] = [problem];
  }
  if (Object.keys(errors).length > 0) throw fieldErrors(errors);
  const query: Omit<AuditQuery, 'offset'> = {
    limit: Math.min(positiveInteger(param(request, 'page_size')) ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  };
  const format = param(request, 'format');
  if (format !== undefined && format !== 'json' && format !== 'csv') {
    errors.format = [`Select a valid choice. ${JSON.stringify(format)} is not one of the available choices.`];
  }
  const event = param(request, 'event');
  if (event !== undefined) {
    if ((AUDIT_EVENTS as readonly string[]).includes(event)) query.event = event as AuditEvent;
    else errors.event = [`Select a valid choice. ${JSON.stringify(event)} is not one of the available choices.`];
  }
  for (const name of ['since', 'until'] as const) {
    const text = param(request, name);
    if (text === undefined) continue;
    const at = parseTime(text);
    if (at === undefined) errors[name] = ['Enter a valid date/time.'];
    else query[name] = at;
  }
  if (Object.keys(errors).length > 0) throw fieldErrors(errors);
  return query;
}

/** Every entry `query` selects, newest first, at most {@link MAX_CSV_ROWS}, as CSV with a header line. */
async function exportCsv(store: Store, query: Omit<AuditQuery, 'offset'>): Promise<string> {
  const lines = [csvLines([CSV_HEADER])];
  for (let offset = 0; offset < MAX_CSV_ROWS; offset += CSV_BATCH) {
    const { records } = await store.listAudit({ ...query, offset, limit: Math.min(CSV_BATCH, MAX_CSV_ROWS - offset) });
    lines.push(
      csvLines(
        records.map((r) => {
          const e = present(r);
          return [
            e.id,
            e.at,
            e.event,
            e.user_id,
            e.username,
            e.session_id,
            e.ip,
            e.user_agent,
            JSON.stringify(e.details),
          ];
        }),
      ),
    );
    if (records.length < CSV_BATCH) break;
  }
  return lines.join('');
}
