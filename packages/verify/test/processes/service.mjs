// A service that trusts tessera through one of @tessera/verify's adapters,
// for the tests that run real processes. It prints `listening PORT` once up.
//   ADAPTER=fastify|express|hono TESSERA_URL=… SERVICE_NAME=… SERVICE_SECRET=… [STALE_AFTER_SECONDS=…]
//   GET /whoami/ (authenticated) → {"username","sid"};  GET /staff/ → requireStaff()
import { createServer } from 'node:http';
import { createVerifier } from '../../dist/index.js';

const env = process.env;
const verifier = createVerifier({
  url: env.TESSERA_URL,
  service: { name: env.SERVICE_NAME, secret: env.SERVICE_SECRET },
  ...(env.STALE_AFTER_SECONDS === undefined ? {} : { staleAfterSeconds: Number(env.STALE_AFTER_SECONDS) }),
});
const whoami = (user) => ({ username: user.username, sid: user.sid });

async function fastifyService() {
  const { default: Fastify } = await import('fastify');
  const { default: tessera, requireStaff } = await import('../../dist/adapters/fastify.js');
  const app = Fastify();
  await app.register(tessera, { verifier });
  app.get('/whoami/', { preHandler: app.authenticate }, (request) => whoami(request.user));
  app.get('/staff/', { preHandler: requireStaff() }, () => ({ staff: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.server.address().port;
}

async function expressService() {
  const { default: express } = await import('express');
  const { tesseraExpress } = await import('../../dist/adapters/express.js');
  const auth = tesseraExpress(verifier);
  const app = express();
  app.get('/whoami/', auth.authenticate, (req, res) => res.json(whoami(req.user)));
  app.get('/staff/', auth.requireStaff(), (_req, res) => res.json({ staff: true }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return server.address().port;
}

async function honoService() {
  const { Hono } = await import('hono');
  const { tesseraHono } = await import('../../dist/adapters/hono.js');
  const auth = tesseraHono(verifier);
  const app = new Hono();
  app.get('/whoami/', auth.authenticate, (c) => c.json(whoami(c.var.user)));
  app.get('/staff/', auth.requireStaff(), (c) => c.json({ staff: true }));
  // Hono answers fetch Requests: a minimal bridge from node:http for GETs.
  const server = createServer((req, res) => {
    // The Host the client addressed, as @hono/node-server does: a DPoP proof names it.
    const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url}`, {
      method: req.method,
      headers: req.headers,
    });
    Promise.resolve(app.fetch(request)).then(async (response) => {
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return server.address().port;
}

const services = { fastify: fastifyService, express: expressService, hono: honoService };
const port = await services[env.ADAPTER]();
process.stdout.write(`listening ${port}\n`);
process.once('SIGTERM', () => {
  void verifier.close().then(() => process.exit(0));
});
