// Packs tessera's packages as `npm publish` would, and builds a fresh Vite +
// React app from the tarballs in a folder outside the repository, where no
// workspace link or hoisted node_modules can stand in for what the tarballs lack.
import { execFile } from 'node:child_process';
import { cpSync, createReadStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/packed-app/', import.meta.url));

/** The publishable packages, in dependency order. */
export const PACKAGES = ['protocol', 'verify', 'server', 'client', 'react'] as const;

/** What `npm pack --json` says of one tarball. */
export interface PackedTarball {
  name: string;
  filename: string;
  files: { path: string }[];
}

/** The npm command: the one running this suite (`npm test`), else npm on the PATH. */
function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const cli = process.env.npm_execpath;
  const [command, argv] = cli?.endsWith('.js') ? [process.execPath, [cli, ...args]] : ['npm', args];
  return run(command, argv, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
}

/**
 * `npm pack` of every package into `destination`. Scripts are skipped: the
 * suite runs after `npm run build`, and `prepack` would only build again.
 */
export async function packPackages(destination: string): Promise<PackedTarball[]> {
  const workspaces = PACKAGES.flatMap((name) => ['-w', `@tessera/${name}`]);
  const args = ['pack', ...workspaces, '--ignore-scripts', '--json', '--pack-destination', destination];
  const { stdout } = await npm(args, ROOT);
  return JSON.parse(stdout) as PackedTarball[];
}

/** The version the repository's lockfile installs of `name`: what npm's cache holds after `npm ci`. */
function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (version === undefined) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

/**
 * The app of test/fixtures/packed-app in `directory`, depending on the
 * `tarballs` packed into `packs` (file: paths) and on React and Vite at the
 * lockfile's versions; installed, type-checked against the tarballs' types,
 * and built into `directory/dist`.
 */
export async function buildPackedApp(directory: string, packs: string, tarballs: PackedTarball[]): Promise<void> {
  cpSync(FIXTURE, directory, { recursive: true });
  const tarball = (name: string) => {
    const packed = tarballs.find((t) => t.name === `@tessera/${name}`);
    if (packed === undefined) throw new Error(`@tessera/${name} was not packed`);
    return `file:${join(packs, packed.filename)}`;
  };
  const locked = (names: string[]) => Object.fromEntries(names.map((name) => [name, lockedVersion(name)]));
  const manifest = {
    name: 'packed-app',
    private: true,
    type: 'module',
    dependencies: {
      // The client's and the bindings' own dependency, not published yet: from its tarball too.
      '@tessera/protocol': tarball('protocol'),
      '@tessera/client': tarball('client'),
      '@tessera/react': tarball('react'),
      ...locked(['react', 'react-dom']),
    },
    devDependencies: locked(['vite', '@vitejs/plugin-react', '@types/react', '@types/react-dom']),
  };
  writeFileSync(join(directory, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // Only npm's own settings pass on: `npm test`'s npm_* variables describe the repository, not this app.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('npm_') || /^npm_config_(cache|registry|userconfig)$/.test(name),
    ),
  );
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], directory, env);
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', directory]);
  await run(process.execPath, [join(directory, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: directory });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Serves the files under `root` on a free port of 127.0.0.1 (the page for any path without a file). */
export async function serveStatic(root: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    let file = join(root, path);
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
