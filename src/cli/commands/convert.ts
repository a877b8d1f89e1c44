import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  convertForQemu,
  formatStreamCheckText,
  loadDescriptionSet,
  loadModuleSections,
  type QemuConvertReport,
} from '../../compat/index.js';
import {
  type ConvertReport,
  convertQemuStream,
  convertWithDescriptions,
  formatConvertReport,
} from '../../stream/index.js';
import type { CliCommand } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { progressFor, streamArg } from './analyze.js';
import { writeFileStream } from './assemble.js';

interface Options {
  to: string;
  output?: string;
  from?: string;
  machine?: string;
  fromMachine?: string;
  allowLoss: string[];
  dryRun?: boolean;
  json?: boolean;
  progress: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export const command: CliCommand = {
  name: 'convert',
  summary:
    'Rewrite saved state for a receiver that knows less or more (refuses to drop state unless allowed)',
  configure: (cmd: Command) =>
    cmd
      .argument('<stream>', 'the migration stream to convert')
      .requiredOption(
        '--to <target>',
        'the receiver: a QEMU -dump-vmstate JSON (*.json), or our descriptions as module.ts#release (a lab version set)',
      )
      .option('-o, --output <stream>', 'where to write the converted stream')
      .option(
        '--from <source>',
        'descriptions the stream was written with (module.ts#release); for module targets',
      )
      .option(
        '--machine <type>',
        "the receiver's machine type (module targets; default: the release's newest)",
      )
      .option(
        '--from-machine <type>',
        "the sender's machine type (module sources; default: the release's newest)",
      )
      .option(
        '--allow-loss <path>',
        'allow dropping this piece of state (repeat for each; a path allows what is under it)',
        collect,
        [],
      )
      .option('--dry-run', 'only report what would be lost, write nothing')
      .option('--json', 'print the report as JSON')
      .option('--no-progress', 'no progress bar (drawn on a terminal for streams over 256 MiB)')
      .addHelpText(
        'after',
        '\nLoss paths look like `fdc::state::drives::fdrive/media_rate` or `dma#1` (section idstr, #instance when not 0).\n' +
          'Exit codes: 0 converted (or, with --dry-run, convertible); 1 refused: state would be lost without\n' +
          '--allow-loss, or cannot be converted; 2 bad arguments or unreadable inputs; 3 the stream was rejected\n' +
          '(the error names the offset and section); 70 internal error.',
      ),
  async run([path], options: Options) {
    if (!options.dryRun && options.output === undefined) throw new UsageError('give -o OUT (or --dry-run)');
    const { source, size } = await streamArg(path as string);
    if (typeof source !== 'string') throw new UsageError('convert reads a file (it reads the stream twice)');
    let report: ConvertReport;
    // The stream is read twice (plan, then write): the bar runs over twice its size.
    const progress = progressFor(size === undefined ? undefined : size * 2, options.progress);
    const convertOptions = {
      allowLoss: options.allowLoss,
      ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
    };
    if (options.to.toLowerCase().endsWith('.json')) {
      // A QEMU target: `check STREAM DEST` decides, and the result is checked again before it is
      // called converted (src/compat/check/stream/convert.ts).
      progress.stop();
      const target = await loadDescriptionSet(options.to);
      const { report, output } = await convertForQemu(await readFile(source), target, {
        allowLoss: options.allowLoss,
      });
      if (output && !options.dryRun && options.output !== undefined) {
        await writeFileStream(options.output, async (sink) => {
          await new Promise<void>((res, rej) => sink.write(output, (e) => (e ? rej(e) : res())));
        });
      }
      process.stdout.write(
        options.json ? `${JSON.stringify(qemuReportJson(report), null, 2)}\n` : qemuText(report),
      );
      return report.converted ? ExitCode.ok : ExitCode.negative;
    }
    const run = async (sink: NodeJS.WritableStream | undefined): Promise<ConvertReport> => {
      if (options.to.toLowerCase().endsWith('.json')) {
        const target = await loadDescriptionSet(options.to);
        return convertQemuStream(source, target, sink, convertOptions);
      }
      if (options.from === undefined)
        throw new UsageError('--from module.ts#release is needed with a module target');
      const [from, to] = await Promise.all([
        loadModuleSections(options.from),
        loadModuleSections(options.to),
      ]);
      const toMachine = options.machine ?? to.machine;
      const fromMachine = options.fromMachine ?? from.machine;
      return convertWithDescriptions(
        source,
        {
          from: from.sections,
          to: to.sections,
          ...(from.machines && fromMachine ? { fromCtx: from.machines.context(fromMachine) } : {}),
          ...(to.machines && toMachine ? { toCtx: to.machines.context(toMachine) } : {}),
        },
        sink,
        convertOptions,
      );
    };
    try {
      if (options.dryRun || options.output === undefined) report = await run(undefined);
      else {
        let r: ConvertReport | undefined;
        await writeFileStream(options.output, async (sink) => {
          r = await run(sink);
          // Refused: remove the (empty) output rather than leave a file that is not the stream.
          if (!r.converted) throw new Refused();
        }).catch((e: unknown) => {
          if (!(e instanceof Refused)) throw e;
        });
        report = r as ConvertReport;
      }
    } finally {
      progress.stop();
    }
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatConvertReport(report));
    return report.converted ? ExitCode.ok : ExitCode.negative;
  },
};

class Refused extends Error {}

/** The convert report of a QEMU target, then what the target makes of the result. */
function qemuText(report: QemuConvertReport): string {
  const check = formatStreamCheckText(report.check, { hideInfo: true });
  return `${formatConvertReport(report)}target check (${report.converted ? 'of the output' : 'of the input'}): ${check}`;
}

function qemuReportJson(report: QemuConvertReport): Record<string, unknown> {
  const { check, ...rest } = report;
  return { ...rest, verdict: check.verdict, findings: check.findings };
}
