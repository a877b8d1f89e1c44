#!/usr/bin/env node
import { quickAnswer } from './top-help.js';

// Help and version come from the entry alone; a command loads main (and commander) on demand.
const argv = process.argv.slice(2);
process.exitCode = quickAnswer(argv) ?? (await (await import('./main.js')).main(argv));
