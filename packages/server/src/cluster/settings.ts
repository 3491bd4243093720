/**
 * How many processes `tessera serve` runs: `TESSERA_WORKERS` or `--workers`,
 * read with the rest of the configuration (config.ts).
 */
import { availableParallelism } from 'node:os';

/** The most workers accepted: far past any core count tessera is sized for, low enough to catch a typo. */
export const MAX_WORKERS = 256;

/**
 * Reads a worker count: a whole number from 1 to {@link MAX_WORKERS}, or
 * `auto` for one per CPU this process may use (`os.availableParallelism()`,
 * which honours a container's CPU affinity). Unset is 1: one process, no
 * cluster. A problem is pushed to `problems`, naming `variable`, and 1 returned.
 *
 * @example
 * ```ts
 * parseWorkerCount('auto', [], 'TESSERA_WORKERS'); // 8 on an 8-core machine
 * ```
 */
export function parseWorkerCount(
  raw: string | undefined,
  problems: string[],
  variable: string,
  cpus: () => number = availableParallelism,
): number {
  if (raw === undefined) return 1;
  if (raw.toLowerCase() === 'auto') return Math.min(Math.max(1, cpus()), MAX_WORKERS);
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isSafeInteger(value) && value >= 1 && value <= MAX_WORKERS) return value;
  problems.push(
    `${variable}=${JSON.stringify(raw)} must be a whole number from 1 to ${MAX_WORKERS}, or auto (one per CPU: ` +
      `${cpus()} here).`,
  );
  return 1;
}
