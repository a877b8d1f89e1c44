import type { Command } from 'commander';
import { dumpModule, type VmstateDumpJson } from '../../compat/index.js';
import { formatIssue, MigrationError } from '../../errors/index.js';
import type { CliCommand } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';

export const command: CliCommand = {
  name: 'dump',
  summary: "Print a module's descriptions in QEMU's -dump-vmstate JSON shape",
  configure: (cmd: Command) =>
    cmd
      .argument(
        '<module>',
        'exports `sections` (and optionally `machines`), or file.ts#release of a version set',
      )
      .option(
        '--machine <name>',
        'the machine type (vmschkmachine); decides predicates that depend on it alone',
      )
      .option('--plain', "QEMU's keys only (for scripts/vmstate-static-checker.py)"),
  async run([modulePath], options: { machine?: string; plain?: boolean }) {
    let dump: VmstateDumpJson;
    try {
      dump = await dumpModule(modulePath as string, {
        ...(options.machine === undefined ? {} : { machine: options.machine }),
        ...(options.plain ? { plain: true } : {}),
      });
    } catch (e) {
      if (e instanceof MigrationError) throw new UsageError(e.issues.map(formatIssue).join('\n'));
      throw e;
    }
    // QEMU pretty-prints with two spaces.
    process.stdout.write(`${JSON.stringify(dump, null, 2)}\n`);
    return ExitCode.ok;
  },
};
