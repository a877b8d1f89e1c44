import type { CommanderError } from 'commander';
import { ModuleLoadError } from '../compat/load-module.js';
import { formatIssue, MigrationError } from '../errors/index.js';
import { OutputError } from '../stream/write/atomic-output.js';
import { coloursFor } from './colours.js';
import { commands } from './commands.js';
import { ExitCode, type ExitCodeValue, UsageError } from './exit-codes.js';
import { isClosedOutput, quietOnClosedOutput } from './output.js';

const VERSION = '0.1.0';

function topHelp(): string {
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

/** Runs the CLI and returns the exit code; never calls process.exit itself (tests call this). */
export async function main(argv: readonly string[]): Promise<ExitCodeValue> {
  quietOnClosedOutput();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${topHelp()}\n`);
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return ExitCode.ok;
  }
  const entry = commands[name];
  if (!entry) {
    process.stderr.write(`vmstate: unknown command "${name}"\n\n${topHelp()}\n`);
    return ExitCode.usage;
  }
  // Loaded here, not at the top: `vmstate --help` and a mistyped command never need commander.
  const [spec, { Command }] = await Promise.all([entry.load(), import('commander')]);
  let code: ExitCodeValue = ExitCode.ok;
  const cmd = spec
    .configure(new Command(`vmstate ${spec.name}`).description(spec.summary))
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .action(async (...params: unknown[]) => {
      // commander passes positional arguments, then the options object, then the command.
      const args = params.slice(0, -2);
      const options = params[params.length - 2];
      code = await spec.run(args, options);
    });
  try {
    await cmd.parseAsync([...rest], { from: 'user' });
    return code;
  } catch (e) {
    return reportError(e);
  }
}

export function reportError(e: unknown): ExitCodeValue {
  const pc = coloursFor(process.stderr);
  if (isCommanderError(e)) {
    return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  // The reader of our output went away (`| head`): not an error.
  if (isClosedOutput(e)) return ExitCode.ok;
  if (e instanceof UsageError || e instanceof OutputError || e instanceof ModuleLoadError) {
    process.stderr.write(`${pc.red('error:')} ${e.message}\n`);
    return ExitCode.usage;
  }
  if (e instanceof MigrationError) {
    for (const issue of e.issues) process.stderr.write(`${pc.red('rejected:')} ${formatIssue(issue)}\n`);
    return ExitCode.rejected;
  }
  process.stderr.write(
    `${pc.red('internal error:')} ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  return ExitCode.internal;
}

/** commander's own errors (its codes all start with `commander.`), known without loading it. */
function isCommanderError(e: unknown): e is CommanderError {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === 'string' && code.startsWith('commander.');
}
