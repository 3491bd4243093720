// Bare Fastify plus one of the things every tessera request pays for, to
// price each alone (bench/fastify-costs.mjs). VARIANT is one of: plain,
// logger (pino at warn, with tessera's deferred request logger), document-
// headers (helmet's 12), api-headers (tessera's 7 for JSON answers),
// on-response (an empty onResponse hook), logger+on-response.
// Run as a child process: PORT=1234 VARIANT=logger node bench/fastify-variant.mjs
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVER_DIST, importFromServer } from './lib.mjs';

const { default: Fastify } = await importFromServer('fastify');
const load = (file) => import(pathToFileURL(path.join(SERVER_DIST, file)).href);
const { deferredChildLogger } = await load('http/deferred-logger.js');
const { apiHeaders, securityHeaders } = await load('http/security-headers.js');

const variant = process.env.VARIANT ?? 'plain';
const logged = variant === 'logger' || variant === 'logger+on-response';
const app = Fastify(
  logged ? { logger: { level: 'warn' }, childLoggerFactory: deferredChildLogger } : { logger: false },
);
const headers = { 'document-headers': securityHeaders(), 'api-headers': apiHeaders(securityHeaders()) }[variant];
if (headers !== undefined) {
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}
if (variant === 'on-response' || variant === 'logger+on-response') {
  app.addHook('onResponse', (_request, _reply, done) => done());
}
app.get('/', async () => ({ ok: true }));

await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
