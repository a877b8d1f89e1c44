#!/usr/bin/env node
import { quickAnswer } from './top-help.js';

// Help and version come from the entry alone; a command loads main (and commander) on demand.
// `check A.json B.json` has an entry of its own without commander (check-dumps.ts).
const argv = process.argv.slice(2);
process.exitCode =
  quickAnswer(argv) ??
  (argv[0] === 'check'
    ? await (await import('./check-dumps.js')).checkDumpsFast(argv.slice(1))
    : undefined) ??
  (await (await import('./main.js')).main(argv));
