import type { Command } from 'commander';
import type { ExitCodeValue } from './exit-codes.js';
import type { QuickSyntax } from './quick-parse.js';

/**
 * One CLI command: `configure` declares its arguments and options on a commander Command, and
 * `run` calls one library function and prints. It returns the exit code.
 */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  configure(cmd: Command): Command;
  /**
   * Its options and arguments as data (a hot command): plain command lines are then parsed without
   * loading commander (quick-parse.ts), which `configure` still declares them to for the rest.
   */
  readonly quick?: QuickSyntax;
  // biome-ignore lint/suspicious/noExplicitAny: commander hands over positional arguments and options
  run(args: any[], options: any): Promise<ExitCodeValue>;
}
