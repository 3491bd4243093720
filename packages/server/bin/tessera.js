#!/usr/bin/env -S node --max-semi-space-size=4
// The `tessera` command; node runs it with the flags of ./node-flags.js (why:
// see there). The TypeScript is compiled by `npm install` (the root `prepare`
// script); run `npm run build` after changing the sources.
import { loadDotEnv, main } from '../dist/cli/main.js';

loadDotEnv();
process.exitCode = await main(process.argv.slice(2));
