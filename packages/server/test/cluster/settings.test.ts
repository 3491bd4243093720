import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { MAX_WORKERS, parseWorkerCount } from '../../src/cluster/settings.js';
import { ConfigError, resolveConfig } from '../../src/config.js';

describe('parseWorkerCount', () => {
  it('reads unset as 1 (no cluster), a whole number as itself, and auto as the CPUs this process may use', () => {
    const problems: string[] = [];
    expect(parseWorkerCount(undefined, problems, 'TESSERA_WORKERS')).toBe(1);
    expect(parseWorkerCount('4', problems, 'TESSERA_WORKERS')).toBe(4);
    expect(parseWorkerCount('AUTO', problems, 'TESSERA_WORKERS', () => 8)).toBe(8);
    expect(parseWorkerCount('auto', problems, 'TESSERA_WORKERS', () => 1000)).toBe(MAX_WORKERS);
    expect(problems).toEqual([]);
  });

  it.each(['0', '-1', '1.5', 'two', String(MAX_WORKERS + 1)])('refuses %s, naming the setting and auto', (raw) => {
    const problems: string[] = [];
    expect(parseWorkerCount(raw, problems, '--workers', () => 2)).toBe(1);
    expect(problems).toEqual([
      `--workers=${JSON.stringify(raw)} must be a whole number from 1 to ${MAX_WORKERS}, or auto (one per CPU: 2 here).`,
    ]);
  });

  it('is read from TESSERA_WORKERS by resolveConfig, auto as os.availableParallelism()', () => {
    expect(resolveConfig({ TESSERA_WORKERS: '3' }).workers).toBe(3);
    expect(resolveConfig({ TESSERA_WORKERS: 'auto' }).workers).toBe(availableParallelism());
    expect(() => resolveConfig({ TESSERA_WORKERS: 'many' })).toThrow(ConfigError);
  });
});
