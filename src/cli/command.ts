import type { Command } from 'commander';
import type { ExitCodeValue } from './exit-codes.js';

/**
 * One CLI command: `configure` declares its arguments and options on a commander Command, and
 * `run` calls one library function and prints. It returns the exit code.
 */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  configure(cmd: Command): Command;
  // biome-ignore lint/suspicious/noExplicitAny: commander hands over positional arguments and options
  run(args: any[], options: any): Promise<ExitCodeValue>;
}
