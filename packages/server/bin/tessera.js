#!/usr/bin/env node
// The `tessera` command. The TypeScript is compiled by `npm install` (the
// root `prepare` script); run `npm run build` after changing the sources.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
