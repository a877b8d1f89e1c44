import { commands } from './commands.js';

export const VERSION = '0.1.0';

/** The top-level help: command names and summaries only (no command module is loaded for it). */
export function topHelp(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: vmstate <command> [options]',
    '',
    'Migratable, versioned state, byte-compatible with QEMU migration streams.',
    '',
    'Commands:',
    ...rows,
    '',
    'Run `vmstate <command> --help` for a command’s options.',
    'Exit codes: 0 ok, 1 negative answer, 2 usage/unreadable input, 3 input rejected, 70 internal error.',
  ].join('\n');
}

/**
 * Answers `vmstate`, `--help` and `--version` without loading anything else (the bundle's entry
 * imports only this module statically), or undefined for a command to run.
 */
export function quickAnswer(argv: readonly string[]): 0 | 2 | undefined {
  const [name] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeQuietly(`${topHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    writeQuietly(`${VERSION}\n`);
    return 0;
  }
  return undefined;
}

/** A closed stdout (`| head -1`) ends the help quietly instead of crashing with EPIPE. */
let guarded = false;
function writeQuietly(text: string): void {
  if (!guarded) {
    guarded = true;
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
  }
  process.stdout.write(text);
}
