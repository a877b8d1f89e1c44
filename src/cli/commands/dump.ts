import type { Command } from 'commander';
import { dumpModule, type VmstateDumpJson } from '../../compat/index.js';
import { MigrationError } from '../../errors/index.js';
import type { CliCommand } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { inputProblem } from './check.js';

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
      .option('--plain', "QEMU's keys only (for scripts/vmstate-static-checker.py)")
      .addHelpText(
        'after',
        '\nPrints JSON on stdout (two-space indented, as QEMU does); `vmstate check` reads it back.\n' +
          'Exit codes: 0 printed, 2 bad arguments or a module that cannot be loaded or exports no description set.',
      ),
  async run([modulePath], options: { machine?: string; plain?: boolean }) {
    let dump: VmstateDumpJson;
    try {
      dump = await dumpModule(modulePath as string, {
        ...(options.machine === undefined ? {} : { machine: options.machine }),
        ...(options.plain ? { plain: true } : {}),
      });
    } catch (e) {
      if (e instanceof MigrationError) throw inputProblem(e);
      throw e;
    }
    // QEMU pretty-prints with two spaces.
    process.stdout.write(`${JSON.stringify(dump, null, 2)}\n`);
    return ExitCode.ok;
  },
};
