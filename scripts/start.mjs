// `npm start`: builds the web app if it is missing or older than its sources, then runs `tessera serve`
// with the arguments given (`npm start -- --workers auto`).
// Local default: cookies without Secure, so that any browser keeps them over plain http.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../packages/server/bin/node-flags.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const web = join(root, 'apps/web');
const built = join(web, 'dist/index.html');

/** Newest modification time under `path` (files and folders), in ms. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((name) => join(web, name));
const clientDist = ['packages/client/dist', 'packages/react/dist'].map((name) => join(root, name));
const stale =
  !existsSync(built) ||
  Math.max(...[...sources, ...clientDist].filter(existsSync).map(newest)) > statSync(built).mtimeMs;
if (stale) {
  console.log('Building the web app (apps/web) …');
  const result = spawnSync('npm', ['run', 'build', '-w', '@tessera/web'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('The web app did not build; starting the API only. Fix the error above and run `npm start` again.');
  }
}

// Read before the local defaults below, so a setting in .env wins over them (tessera itself reads it too).
if (existsSync(join(root, '.env'))) process.loadEnvFile(join(root, '.env'));
const env = { ...process.env };
env.TESSERA_COOKIE_SECURE ??= env.NODE_ENV === 'production' ? 'true' : 'false';
const server = spawn(
  process.execPath,
  [...NODE_FLAGS, join(root, 'packages/server/bin/tessera.js'), 'serve', ...process.argv.slice(2)],
  {
    cwd: root,
    env,
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
