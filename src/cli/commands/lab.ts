import { rename, rm, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  allPairs,
  disagreements,
  formatLabQemuText,
  formatSummaryMarkdown,
  type LabMatrix,
  type LabQemuReport,
  mergeReports,
  PRESETS,
  parseQemuVersion,
  parseReport,
  parseShard,
  plannedCells,
  renderLabQemuHtml,
  runQemuLab,
  WHENS,
  type When,
} from '../../qemu/index.js';
import type { CliCommand } from '../command.js';
import { ExitCode, type ExitCodeValue, UsageError } from '../exit-codes.js';
import { fitWidth } from '../fit-width.js';
import { count, writable } from '../options.js';
import { readTextArg } from '../read-input.js';

interface Options {
  preset: string;
  from?: string;
  to?: string;
  machines?: string;
  devices?: string;
  workloads?: string;
  when?: string;
  shard?: string;
  budget?: string;
  jobs?: string;
  convert: boolean;
  roundTrip: boolean;
  json?: boolean;
  markdown?: boolean;
  out?: string;
  html?: string;
  work?: string;
  cache?: string;
  list?: boolean;
  progress: boolean;
}

const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

/** Writes through a temp file and a rename: a failed run leaves no half-written report. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new UsageError(`cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

function matrixFrom(options: Options): { matrix: LabMatrix; convert: boolean; roundTrip: boolean } {
  const preset = PRESETS[options.preset as keyof typeof PRESETS];
  if (preset === undefined) {
    throw new UsageError(
      `--preset must be one of ${Object.keys(PRESETS).join(', ')}, got "${options.preset}"`,
    );
  }
  let pairs = preset.matrix.pairs;
  if (options.from !== undefined || options.to !== undefined) {
    const from = usage(() => list(options.from ?? '5.2,7.2,10.0').map(parseQemuVersion));
    const to = usage(() => list(options.to ?? '5.2,7.2,10.0').map(parseQemuVersion));
    pairs = allPairs([...new Set([...from, ...to])]).filter(([a, b]) => from.includes(a) && to.includes(b));
    if (pairs.length === 0) throw new UsageError('--from/--to leave no pair of different versions');
  }
  const when = options.when === undefined ? preset.matrix.when : list(options.when);
  for (const w of when) {
    if (!WHENS.includes(w as When)) throw new UsageError(`--when takes ${WHENS.join(', ')}, got "${w}"`);
  }
  const machines = options.machines === undefined ? preset.matrix.machines : list(options.machines);
  const liveWorkloads = options.when === undefined ? preset.matrix.liveWorkloads : undefined;
  return {
    matrix: {
      pairs,
      ...(machines === undefined ? {} : { machines }),
      devices: options.devices === undefined ? preset.matrix.devices : list(options.devices),
      workloads: options.workloads === undefined ? preset.matrix.workloads : list(options.workloads),
      when: when as When[],
      ...(liveWorkloads === undefined ? {} : { liveWorkloads }),
    },
    convert: options.convert && preset.convert,
    roundTrip: options.roundTrip && preset.roundTrip,
  };
}

async function output(report: LabQemuReport, options: Options): Promise<ExitCodeValue> {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (options.out !== undefined) await writeAtomic(options.out, json);
  if (options.html !== undefined) await writeAtomic(options.html, renderLabQemuHtml(report));
  if (options.json) process.stdout.write(json);
  else if (options.markdown) process.stdout.write(`${formatSummaryMarkdown(report.cells)}\n`);
  else process.stdout.write(fitWidth(formatLabQemuText(report)));
  const failed = disagreements(report.cells).length > 0 || report.cells.some((c) => c.qemu === undefined);
  return failed ? ExitCode.negative : ExitCode.ok;
}

async function runQemu(options: Options): Promise<ExitCodeValue> {
  const { matrix, convert, roundTrip } = matrixFrom(options);
  const shard = options.shard === undefined ? undefined : usage(() => parseShard(options.shard as string));
  const budget = options.budget === undefined ? undefined : count('--budget', options.budget, 1);
  const jobs = options.jobs === undefined ? undefined : count('--jobs', options.jobs, 1);
  for (const f of [options.out, options.html]) if (f !== undefined) await writable(f);
  const planOptions = { matrix, ...(shard ? { shard } : {}), ...(budget ? { budget } : {}) };
  // Unknown names and missing QEMU versions are found here, before anything runs: usage errors.
  const cells = await plannedCells(planOptions).catch((e: unknown) => {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  });
  if (options.list) {
    process.stdout.write(
      options.json ? `${JSON.stringify(cells, null, 2)}\n` : `${cells.map((c) => c.id).join('\n')}\n`,
    );
    return ExitCode.ok;
  }
  const tty = options.progress && process.stderr.isTTY === true;
  const report = await runQemuLab({
    ...planOptions,
    convert,
    roundTrip,
    ...(jobs ? { jobs } : {}),
    ...(options.work ? { workDir: options.work } : {}),
    ...(options.cache ? { cacheDir: options.cache } : {}),
    onCell: (r, done, total) => {
      if (!tty) return;
      const verdict = r.qemu ? `${r.qemu.verdict}${r.agree ? '' : ' ≠ vmstate'}` : 'error';
      process.stderr.write(`\r\x1b[K[${done}/${total}] ${r.cell.id}: ${verdict}`);
      if (done === total) process.stderr.write('\n');
    },
  });
  return output(report, options);
}

async function runMerge(files: readonly string[], options: Options): Promise<ExitCodeValue> {
  if (files.length === 0)
    throw new UsageError('merge needs at least one report (vmstate lab qemu --out FILE)');
  for (const f of [options.out, options.html]) if (f !== undefined) await writable(f);
  const reports: LabQemuReport[] = [];
  for (const f of files) {
    const text = await readTextArg(f);
    reports.push(usage(() => parseReport(text, f)));
  }
  return output(
    usage(() => mergeReports(reports)),
    options,
  );
}

export const command: CliCommand = {
  name: 'lab',
  summary: 'Real cross-version migration lab: QEMU 5.2, 7.2, 10.0 save and load; vmstate check must agree',
  configure: (cmd: Command) =>
    cmd
      .argument('<mode>', '`qemu`: run cells; `merge`: join shard reports')
      .argument('[reports...]', 'for merge: the reports written by `lab qemu --out`')
      .option('--preset <name>', 'full (npm run lab:qemu) or ci (bounded, a minute or two)', 'full')
      .option('--from <versions>', 'source versions, comma-separated (5.2,7.2,10.0)')
      .option('--to <versions>', 'destination versions, comma-separated')
      .option('--machines <types>', 'machine types (a pair uses those both versions know)')
      .option('--devices <sets>', 'device sets: base, nic, scsi')
      .option('--workloads <names>', 'guest workloads (see docs/qemu-lab.md)')
      .option('--when <list>', 'settled (stopped once the state is reached), live (migrated while running)')
      .option('--shard <I/N>', 'run only shard I of N (every N-th cell; for a CI matrix or an Indexed Job)')
      .option('--budget <n>', 'run only the first n cells (of the shard)')
      .option('--jobs <n>', 'cells at once (default: the number of cores)')
      .option('--no-convert', 'do not convert streams for the destination and load the result')
      .option('--no-round-trip', 'do not save again from the destination and compare (silent changes)')
      .option('--list', 'print the cells that would run, run nothing')
      .option('--json', 'print the report as JSON')
      .option('--markdown', 'print only the per-pair table, as Markdown (for a README)')
      .option('--out <file>', 'write the report as JSON (the input of merge)')
      .option('--html <file>', 'write the HTML report with the heat map')
      .option('--work <dir>', 'keep streams and images here (default: a temp dir, removed)')
      .option('--cache <dir>', 'destination -dump-vmstate cache (default ~/.cache/vmstate/qemu)')
      .option('--no-progress', 'no progress line on a terminal')
      .addHelpText(
        'after',
        '\nEach cell really saves with one QEMU and loads with another, and compares QEMU’s verdict with\n' +
          '`vmstate check STREAM DEST` on the same bytes. Needs QEMU 5.2 and 10.0 (scripts/qemu-versions.sh).\n' +
          'Shards: `lab qemu --shard 3/8 --out r3.json` on each machine, then `lab merge r*.json --html lab.html`.\n' +
          'Exit codes: 0 every cell agrees; 1 a cell where vmstate’s verdict is not QEMU’s, or a cell that\n' +
          'could not run; 2 bad arguments, a missing QEMU version or unreadable reports; 70 internal error.',
      ),
  async run([mode, files], options: Options) {
    if (mode === 'qemu') {
      if ((files as string[] | undefined)?.length) throw new UsageError('lab qemu takes no file arguments');
      return runQemu(options);
    }
    if (mode === 'merge') return runMerge((files as string[] | undefined) ?? [], options);
    throw new UsageError(`unknown lab mode "${String(mode)}": use \`lab qemu\` or \`lab merge\``);
  },
};
