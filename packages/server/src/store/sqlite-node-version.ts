/**
 * Node 24.19.0 gave `node::ObjectWrap` environment cleanup hooks without the
 * registry that lets them run outside a JavaScript context; 24.22.0 added it
 * (nodejs/node#65446, #63985). better-sqlite3 12 derives its Database and
 * Statement from `ObjectWrap`, so on 24.19 to 24.21 the first garbage
 * collection that frees a statement off the main context (a worker thread's,
 * an idle one) aborts the whole process: `Assertion failed: (env) != nullptr`.
 * No error to catch, no log line, every session on the instance gone.
 */
const ABORTING = { major: 24, fromMinor: 19, toMinor: 21 } as const;

/**
 * Why better-sqlite3 must not run on this Node, with what to do instead; or
 * undefined when it may.
 *
 * @example
 * sqliteNodeVersionProblem('24.21.0'); // 'Node 24.21.0 aborts the process in better-sqlite3 …'
 * sqliteNodeVersionProblem('24.22.3'); // undefined
 */
export function sqliteNodeVersionProblem(version: string = process.versions.node): string | undefined {
  const [major, minor] = version.split('.').map(Number);
  if (major !== ABORTING.major || minor === undefined) return undefined;
  if (minor < ABORTING.fromMinor || minor > ABORTING.toMinor) return undefined;
  return (
    `Node ${version} aborts the process in better-sqlite3's native code during garbage collection ` +
    `(nodejs/node#65446): run Node 24.22 or later, or Node 20.19+, for the SQLite store`
  );
}
