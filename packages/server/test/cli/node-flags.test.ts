import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript next to the bin, without declarations.
import { NODE_FLAGS } from '../../bin/node-flags.js';

describe('the node flags of the tessera command', () => {
  it('are the ones its shebang passes, so that `npx tessera` runs as npm start and the benchmarks do', () => {
    const shebang = readFileSync(new URL('../../bin/tessera.js', import.meta.url), 'utf8').split('\n', 1)[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${(NODE_FLAGS as string[]).join(' ')}`);
  });
});
