import type { Command } from 'commander';
import {
  convertFileForQemu,
  type DescriptionSet,
  formatStreamCheckText,
  loadDescriptionSet,
  loadModuleSections,
  type QemuConvertReport,
} from '../../compat/index.js';
import { MigrationError } from '../../errors/index.js';
import {
  type ConvertReport,
  convertWithDescriptions,
  formatConvertReport,
  type WritableSink,
} from '../../stream/index.js';
import type { CliCommand } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { fitWidth } from '../fit-width.js';
import { refuseDeepJson, tooDeep } from '../json-depth.js';
import { fileInput, inputRef, writeOutput } from '../output.js';
import { progressFor } from '../progress.js';
import { streamArg } from '../stream-arg.js';
import { inputProblem } from './check.js';

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
      .argument('<stream>', 'the migration stream to convert, or - for stdin')
      .requiredOption(
        '--to <target>',
        'the receiver: a QEMU -dump-vmstate JSON (*.json), or our descriptions as module.ts#release (a lab version set)',
      )
      .option('-o, --output <stream>', 'where to write the converted stream (- for stdout)')
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
          'The output is written to a temporary file and renamed into place only when the conversion succeeds:\n' +
          'a refusal or a rejected stream leaves an existing file untouched. An output that is the input is refused.\n' +
          'Exit codes: 0 converted (or, with --dry-run, convertible); 1 refused: state would be lost without\n' +
          '--allow-loss, or cannot be converted; 2 bad arguments or unreadable inputs; 3 the stream was rejected\n' +
          '(the error names the offset and section); 70 internal error.',
      ),
  async run([path], options: Options) {
    if (!options.dryRun && options.output === undefined) throw new UsageError('give -o OUT (or --dry-run)');
    // The stream is read twice: stdin is copied to a temporary file first.
    const input = await fileInput(path as string, '.mig');
    try {
      return await convert(path as string, input.path, options);
    } finally {
      await input.done();
    }
  },
};

/** Loads a description input; one that cannot be read or is not a description set is exit 2. */
async function loadInput<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (e instanceof MigrationError) throw inputProblem(e);
    return tooDeep(e, 'a description input');
  }
}

async function convert(arg: string, file: string, options: Options) {
  const { source, size } = await streamArg(file);
  if (typeof source !== 'string') throw new UsageError('convert reads a file (it reads the stream twice)');
  let report: ConvertReport | undefined;
  // The stream is read twice (plan, then write): the bar runs over twice its size.
  const progress = await progressFor(size === undefined ? undefined : size * 2, options.progress);
  const convertOptions = {
    allowLoss: options.allowLoss,
    ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
  };
  // Inputs are loaded before anything is read or written: an unreadable --to is a usage error.
  if (options.to.toLowerCase().endsWith('.json')) {
    // A QEMU target: `check STREAM DEST` decides, and the result is checked again before it is
    // called converted (src/compat/check/stream/convert.ts).
    progress.stop();
    await refuseDeepJson(options.to);
    const target = await loadInput(() => loadDescriptionSet(options.to));
    return convertToQemu(arg, source, target, options);
  }
  const fromArg = options.from;
  if (fromArg === undefined) throw new UsageError('--from module.ts#release is needed with a module target');
  const [from, to] = await loadInput(() =>
    Promise.all([loadModuleSections(fromArg), loadModuleSections(options.to)]),
  );
  const toMachine = options.machine ?? to.machine;
  const fromMachine = options.fromMachine ?? from.machine;
  const run = (sink: WritableSink | undefined): Promise<ConvertReport> =>
    convertWithDescriptions(
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
  try {
    if (options.dryRun || options.output === undefined) report = await run(undefined);
    else {
      const inputs = [inputRef(arg), options.to, ...(options.from ? [options.from] : [])];
      await writeOutput(options.output, inputs, async (sink) => {
        report = await run(sink);
        // Refused: nothing replaces the destination.
        if (!report.converted) throw new Refused();
      }).catch((e: unknown) => {
        if (!(e instanceof Refused)) throw e;
      });
    }
  } finally {
    progress.stop();
  }
  // `-o -` closed early (`| head`): nothing more to say.
  if (report === undefined) return ExitCode.ok;
  const text = options.json ? `${JSON.stringify(report, null, 2)}\n` : formatConvertReport(report);
  // With -o - the stream is on stdout: the report goes to stderr.
  (options.output === '-' ? process.stderr : process.stdout).write(text);
  return report.converted ? ExitCode.ok : ExitCode.negative;
}

class Refused extends Error {}

/**
 * A QEMU target: the converted stream, written only when the target would load it. The file is
 * never read whole: the check reads it by offset and the output is copied out in chunks.
 */
async function convertToQemu(arg: string, file: string, target: DescriptionSet, options: Options) {
  const out = options.dryRun ? undefined : options.output;
  let closed = false;
  const report = await convertFileForQemu(
    file,
    target,
    { allowLoss: options.allowLoss },
    out === undefined
      ? undefined
      : async (converted) => {
          const written = await writeOutput(out, [inputRef(arg), options.to], async (sink) => {
            await converted.writeTo(sink);
            return true;
          });
          closed = written === undefined;
        },
  );
  // `-o -` closed early (`| head`): nothing more to say.
  if (closed) return ExitCode.ok;
  const text = options.json
    ? `${JSON.stringify(qemuReportJson(report), null, 2)}\n`
    : fitWidth(qemuText(report));
  // With -o - the stream is on stdout: the report goes to stderr.
  (options.output === '-' ? process.stderr : process.stdout).write(text);
  return report.converted ? ExitCode.ok : ExitCode.negative;
}

/** The convert report of a QEMU target, then what the target makes of the result. */
function qemuText(report: QemuConvertReport): string {
  const check = formatStreamCheckText(report.check, { hideInfo: true });
  return `${formatConvertReport(report)}target check (${report.converted ? 'of the output' : 'of the input'}): ${check}`;
}

function qemuReportJson(report: QemuConvertReport): Record<string, unknown> {
  const { check, ...rest } = report;
  return { ...rest, verdict: check.verdict, findings: check.findings };
}
