import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Command } from 'commander';

/** An option as commander declares it (`--name`, `--name <value>`, `--no-name`) with its help line. */
export interface OptionSpec {
  readonly flags: string;
  readonly description: string;
}

/** A command's options and its required positional arguments, declared once for both parsers. */
export interface QuickSyntax {
  readonly options: readonly OptionSpec[];
  readonly arity: number;
}

/** Declares the options on a commander command (help text and every unusual command line). */
export function addOptions(cmd: Command, syntax: QuickSyntax): Command {
  for (const o of syntax.options) cmd.option(o.flags, o.description);
  return cmd;
}

const FLAGS = /^--([a-z][a-z-]*)(?: <[a-z]+>)?$/;

/** commander's name for an option's value: `--no-progress` → `progress`, `--dry-run` → `dryRun`. */
const key = (long: string) =>
  long.replace(/^no-/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The arguments and options commander would hand the command's action, for a plain command line:
 * declared long options (values as `--x v` or `--x=v`) and exactly `arity` positionals. Anything
 * else (help, `--`, short or unknown options, a value missing or looking like an option, a flag
 * given a value) is undefined, and commander parses it, with its own messages. Loading commander
 * costs ~10 ms of a run of `analyze`, which is otherwise ~100 ms.
 */
export function quickParse(
  syntax: QuickSyntax,
  argv: readonly string[],
): { args: string[]; options: Record<string, string | boolean> } | undefined {
  if (argv.some((a) => a === '--' || a === '-h' || a === '--help')) return undefined;
  const config: NonNullable<ParseArgsConfig['options']> = {};
  const defaults: Record<string, boolean> = {};
  for (const o of syntax.options) {
    const m = FLAGS.exec(o.flags);
    if (!m) return undefined;
    const long = m[1] as string;
    config[long] = { type: o.flags.includes('<') ? 'string' : 'boolean' };
    if (long.startsWith('no-')) defaults[key(long)] = true;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true });
  } catch {
    return undefined;
  }
  if (parsed.positionals.length !== syntax.arity) return undefined;
  const options: Record<string, string | boolean> = { ...defaults };
  for (const [long, value] of Object.entries(parsed.values)) {
    if (typeof value !== 'string' && typeof value !== 'boolean') return undefined;
    options[key(long)] = long.startsWith('no-') ? !value : value;
  }
  return { args: parsed.positionals, options };
}
