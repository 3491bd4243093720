/**
 * The answers Node's HTTP server gives on its own, before a request reaches
 * Fastify (a malformed request line or Content-Length, oversized headers, a
 * request that never completes, an `Expect` it cannot meet), given the
 * contract's `{"detail","code"}` body instead of Node's empty one or
 * Fastify's `{"error","message","statusCode"}`.
 */
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { AuthError } from '../errors.js';

/** The error a socket failed with, as Node's `clientError` event gives it. */
interface ClientError extends Error {
  code?: string;
}

/** The answer to a request Node could not parse or did not receive in time. */
export function clientErrorAnswer(error: ClientError): AuthError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AuthError('request_timeout');
    case 'HPE_HEADER_OVERFLOW':
      return new AuthError('headers_too_large');
    default:
      return new AuthError('parse_error');
  }
}

/**
 * Fastify's `clientErrorHandler`: answers on the raw socket, then closes it,
 * as Node does. Nothing is written once a response has begun on the socket,
 * and nothing to a socket the client already reset.
 */
export function answerClientError(log: FastifyBaseLogger, error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = clientErrorAnswer(error);
  log.debug({ err: error }, `client error: ${answer.code}`);
  const inProgress = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && inProgress?.headersSent !== true) socket.write(rawResponse(answer));
  socket.destroy();
}

function rawResponse(answer: AuthError): string {
  const body = JSON.stringify(answer.body);
  return [
    `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/**
 * Answers an `Expect` header other than `100-continue` with 417 in the
 * contract's shape (Node would send an empty 417), and closes the connection:
 * the body the client may still send is not read.
 */
export function answerFailedExpectations(server: Server): void {
  server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const answer = new AuthError('expectation_failed');
    response.shouldKeepAlive = false;
    const body = JSON.stringify(answer.body);
    response
      .writeHead(answer.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      .end(body);
  });
}
