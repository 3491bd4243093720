import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** helmet's defaults, and no framing, no referrer and no form posts elsewhere. */
const OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    // No upgrade: the local default is plain http on 127.0.0.1, where upgraded requests would fail.
    directives: { 'frame-ancestors': ["'none'"], 'form-action': ["'self'"], 'upgrade-insecure-requests': null },
  },
  referrerPolicy: { policy: 'no-referrer' },
  frameguard: { action: 'deny' },
};

/**
 * The headers helmet sets, computed once: they do not depend on the request
 * (no CSP nonces), and building helmet's middleware per request, as
 * @fastify/helmet does, cost about a tenth of a request's CPU.
 */
export function securityHeaders(options: HelmetOptions = OPTIONS): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error('helmet refused its options');
  return Object.freeze(headers);
}

/**
 * What a JSON answer needs, after OWASP's REST Security Cheat Sheet: no
 * sniffing, no framing, no caching, no referrer, HSTS, and a policy that
 * lets the document load nothing. The rest of helmet's set (COOP,
 * Origin-Agent-Cluster, DNS prefetch, IE's download and XSS switches,
 * Flash's cross-domain policies) governs documents and does nothing on
 * JSON, while every header costs each answer about a microsecond.
 */
export function apiHeaders(documentHeaders: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const hsts = documentHeaders['strict-transport-security'];
  return Object.freeze({
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    ...(hsts === undefined ? {} : { 'strict-transport-security': hsts }),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    // Tokens and profiles must not be kept by the browser or a proxy.
    'cache-control': 'no-store',
  });
}

/**
 * Sends the security headers on every answer: {@link apiHeaders} on the
 * routes under `${pathPrefix}/api` (but not the docs page), helmet's set on
 * everything else (the web app, the docs, health). The matched route decides,
 * not the URL as sent: `/%61pi/token/` reaches the login route and must be
 * answered as it. A URL no route matches carries no token and may be a web
 * app page, so it is judged by its raw path.
 */
export function registerSecurityHeaders(app: FastifyInstance, pathPrefix: string): void {
  const documents = securityHeaders();
  const api = apiHeaders(documents);
  const apiPrefix = `${pathPrefix}/api`;
  const docsPrefix = `${pathPrefix}/api/docs`;
  app.addHook('onRequest', (request, reply, done) => {
    const path = request.routeOptions.url ?? request.url;
    void reply.headers(path.startsWith(apiPrefix) && !path.startsWith(docsPrefix) ? api : documents);
    done();
  });
}
