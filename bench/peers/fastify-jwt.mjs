// The hand-rolled peer for bench/run.mjs: what a user would write with
// Fastify and @fastify/jwt instead of tessera. HS256, no database, no
// revocation, no refresh: a protected GET that answers a constant profile-like
// JSON after `request.jwtVerify()`, and a verify-like POST.
// Fastify is the one the server workspace resolves (the same as tessera's);
// @fastify/jwt is a root devDependency, installed only for this comparison.
// Run as a child process:
//   PORT=1234 BENCH_JWT_SECRET=… node bench/peers/fastify-jwt.mjs
import fastifyJwt from '@fastify/jwt';
import { importFromServer } from '../lib.mjs';

const { default: Fastify } = await importFromServer('fastify');
const secret = process.env.BENCH_JWT_SECRET;
if (!secret) throw new Error('BENCH_JWT_SECRET is required');

const app = Fastify({ logger: false });
await app.register(fastifyJwt, { secret, sign: { algorithm: 'HS256' }, verify: { algorithms: ['HS256'] } });

app.get('/healthz', async () => ({ ok: true }));

app.get('/api/profile/', { onRequest: (request) => request.jwtVerify() }, async (request) => ({
  username: request.user.username,
  first_name: 'Bench',
  last_name: 'User',
  email: 'bench@example.com',
}));

app.post('/api/token/verify/', async (request, reply) => {
  try {
    app.jwt.verify(String(request.body?.token ?? ''));
    return {};
  } catch {
    return reply.code(401).send({ detail: 'Token is invalid', code: 'token_not_valid' });
  }
});

const port = Number(process.env.PORT ?? 0);
await app.listen({ port, host: process.env.HOST ?? '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
