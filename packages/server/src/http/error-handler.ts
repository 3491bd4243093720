import { wwwAuthenticate } from '@tessera/protocol';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { AuthError } from '../errors.js';
import { StoreUnavailableError } from '../store/unavailable.js';

/** What a 503 tells the client to wait: the pool reconnects within this. */
const RETRY_AFTER_SECONDS = 2;

/**
 * Maps errors to the contract's bodies. An {@link AuthError} is sent as it
 * is; Fastify's own client errors get a fixed body; anything else is logged
 * and answered with a generic 500 that reveals nothing.
 */
export function installErrorHandler(app: FastifyInstance): void {
  const outage = createOutageLog();
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof StoreUnavailableError) {
      if (outage.isNews(error.cause)) request.log.warn({ err: error.cause }, 'store unavailable');
      request.server.metrics.storeErrors.inc();
      return sendError(reply, storeUnavailable());
    }
    const mapped = error instanceof AuthError ? error : fromFastifyError(error as FastifyError);
    if (mapped === undefined) {
      request.log.error({ err: error }, 'unhandled error');
      return sendError(reply, new AuthError('server_error'));
    }
    return sendError(reply, mapped);
  });
}

/** The contract's 503 while the store does not answer. */
export function storeUnavailable(): AuthError {
  return new AuthError('service_unavailable', { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } });
}

/** Sends `answer` as the contract has it: a 401 also says how to authenticate. */
export function sendError(reply: FastifyReply, answer: AuthError): FastifyReply {
  if (answer.statusCode === 401) void reply.header('www-authenticate', wwwAuthenticate);
  return reply.code(answer.statusCode).headers(answer.headers).send(answer.body);
}

/** How long an outage's cause stays known: past it, the same cause is logged again. */
const OUTAGE_LOG_INTERVAL_MS = 60_000;

/**
 * Whether a store failure is worth a log line: the first of its kind, or the
 * first in a minute. An outage answers hundreds of requests a second; the log
 * needs its cause once, not once per request (every 503 is still counted).
 */
function createOutageLog() {
  let last: { cause: string; at: number } | undefined;
  return {
    isNews(cause: unknown): boolean {
      const code = (cause as { code?: unknown } | null)?.code;
      const described = `${typeof code === 'string' ? code : ''} ${String(cause)}`;
      const now = Date.now();
      if (last !== undefined && last.cause === described && now - last.at < OUTAGE_LOG_INTERVAL_MS) return false;
      last = { cause: described, at: now };
      return true;
    },
  };
}

function fromFastifyError(error: FastifyError): AuthError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AuthError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_EMPTY_TYPE':
      return new AuthError('parse_error');
    default:
      break;
  }
  // Other 4xx errors Fastify raises about a request (e.g. a bad URL encoding).
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new AuthError('parse_error');
  }
  return undefined;
}
