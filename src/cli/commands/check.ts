import { type Command, Option } from 'commander';
import {
  type CheckReport,
  checkInputs,
  checkReportJson,
  type DirectionOption,
  formatCheckText,
  type Severity,
} from '../../compat/index.js';
import { formatIssue, type Issue, MigrationError } from '../../errors/index.js';
import { coloursFor } from '../colours.js';
import type { CliCommand } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { refuseDeepJson, tooDeep } from '../json-depth.js';
import { fileInput } from '../output.js';

const pc = coloursFor(process.stdout);

/** An input problem as one line: the JSON path and code only where they say something. */
export function inputProblem(e: MigrationError): UsageError {
  const line = (issue: Issue) => (issue.path.length === 0 ? issue.message : formatIssue(issue));
  return new UsageError(e.issues.map(line).join('\n'));
}

const PAINT: Record<Severity, (s: string) => string> = { error: pc.red, warning: pc.yellow, info: pc.dim };

export const command: CliCommand = {
  name: 'check',
  summary: 'Check from the descriptions alone what breaks when migrating between two versions',
  configure: (cmd: Command) =>
    cmd
      .argument(
        '<source>',
        'the side that sends on upgrade: a -dump-vmstate .json file or a module (- for stdin)',
      )
      .argument('<destination>', 'the side that receives on upgrade (and sends on rollback)')
      .addOption(
        new Option('--direction <direction>', 'forward (upgrade), backward (rollback) or both')
          .choices(['forward', 'backward', 'both'])
          .default('both'),
      )
      .option('--machine <name>', 'modules: decide needed/existsIf predicates under this machine type')
      .option('--json', 'print { "findings": [...] } as JSON')
      .option('--hide-info', 'leave info findings out of the text report')
      .addHelpText(
        'after',
        '\nA module exports `sections` (descriptions) and optionally `machines`, or a lab version set as ' +
          'file.ts#release.\n' +
          'Exit codes: 0 no error in the checked directions (warnings and infos do not count), 1 errors found,\n' +
          '2 bad arguments or an input that cannot be read or is not a description set.',
      ),
  async run(
    [source, destination],
    options: { direction: DirectionOption; machine?: string; json?: boolean; hideInfo?: boolean },
  ) {
    if (source === '-' && destination === '-') throw new UsageError('only one input can be stdin (-)');
    // stdin is copied to a temporary .json file: -dump-vmstate JSON is what a pipe carries.
    const inputs = await Promise.all([
      fileInput(source as string, '.json'),
      fileInput(destination as string, '.json'),
    ]);
    let report: CheckReport;
    try {
      for (const input of inputs) await refuseDeepJson(input.path);
      report = await checkInputs(inputs[0].path, inputs[1].path, {
        direction: options.direction,
        ...(options.machine === undefined ? {} : { machine: options.machine }),
      });
    } catch (e) {
      // An input that cannot be read or is not a description set is a usage problem (exit 2).
      if (e instanceof MigrationError) throw inputProblem(e);
      return tooDeep(e, 'an input');
    } finally {
      for (const input of inputs) await input.done();
    }
    if (options.json) process.stdout.write(`${JSON.stringify(checkReportJson(report), null, 2)}\n`);
    else {
      process.stdout.write(
        formatCheckText(report, {
          paint: (severity, text) => PAINT[severity](text),
          ...(options.hideInfo ? { hideInfo: true } : {}),
        }),
      );
    }
    return report.ok ? ExitCode.ok : ExitCode.negative;
  },
};
