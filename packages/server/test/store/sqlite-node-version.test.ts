import { describe, expect, it } from 'vitest';
import { sqliteNodeVersionProblem } from '../../src/store/sqlite-node-version.js';

describe('sqliteNodeVersionProblem', () => {
  it.each(['24.19.0', '24.20.0', '24.21.0', '24.21.9'])(
    'refuses Node %s, where better-sqlite3 aborts the process, and says which Node to run',
    (version) => {
      const problem = sqliteNodeVersionProblem(version);
      expect(problem).toContain(`Node ${version} aborts the process in better-sqlite3`);
      expect(problem).toContain('run Node 24.22 or later, or Node 20.19+');
    },
  );

  it.each(['20.19.0', '20.20.2', '22.12.0', '24.18.1', '24.22.0', '24.22.3', '26.10.0'])(
    'accepts Node %s',
    (version) => {
      expect(sqliteNodeVersionProblem(version)).toBeUndefined();
    },
  );

  it('accepts the Node running the tests (CI runs the suite on Node 20 and on 24.22+)', () => {
    expect(sqliteNodeVersionProblem()).toBeUndefined();
  });
});
