// The ceiling for bench/run.mjs: the same Fastify that tessera uses (resolved
// from the server workspace), no logger, no plugins, one route answering a
// constant {"ok":true}. Run as a child process: PORT=1234 node bench/bare-fastify.mjs
import { importFromServer } from './lib.mjs';

const { default: Fastify } = await importFromServer('fastify');

const app = Fastify({ logger: false });
app.get('/', async () => ({ ok: true }));

const port = Number(process.env.PORT ?? 0);
await app.listen({ port, host: process.env.HOST ?? '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
