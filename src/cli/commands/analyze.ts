import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { Vmsd } from '../../describe/index.js';
import {
  analysisText,
  analyzeStream,
  type DescriptionLookup,
  descriptionLookup,
  formatSummary,
  printableSummary,
  type StreamSource,
} from '../../stream/index.js';
import type { CliCommand } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';

/** Streams above this size get a progress bar when stderr is a terminal. */
const PROGRESS_FROM = 256 << 20;

/** Checks a stream argument: `-` is stdin, anything else must be a readable file. */
export async function streamArg(path: string): Promise<{ source: StreamSource; size: number | undefined }> {
  if (path === '-') return { source: process.stdin, size: undefined };
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new UsageError(`${path} is not a file`);
    return { source: path, size: s.size };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Loads `--descriptions MODULE`: it exports `descriptions`, a list of descriptions or `{ idstr, instanceId, vmsd }`. */
export async function descriptionsArg(path: string | undefined): Promise<DescriptionLookup | undefined> {
  if (path === undefined) return undefined;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`cannot load module ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const list = mod.descriptions ?? mod.default;
  if (!Array.isArray(list)) {
    throw new UsageError(
      `${path} does not export \`descriptions\` (a list of descriptions or { idstr, instanceId, vmsd })`,
    );
  }
  return descriptionLookup(list as Vmsd[]);
}

/** A progress bar on stderr for big files on a terminal; a no-op otherwise. */
export function progressFor(
  size: number | undefined,
  enabled: boolean,
): {
  onProgress?: (offset: number) => void;
  stop(): void;
} {
  if (!enabled || size === undefined || size < PROGRESS_FROM || !process.stderr.isTTY) return { stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'reading [{bar}] {percentage}% | {value}/{total} MiB',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const mib = (n: number) => Math.floor(n / 2 ** 20);
  bar.start(mib(size), 0);
  let shown = 0;
  return {
    onProgress(offset: number) {
      const v = mib(offset);
      if (v !== shown) {
        shown = v;
        bar.update(v);
      }
    },
    stop() {
      bar.update(mib(size));
      bar.stop();
    },
  };
}

interface Options {
  desc?: boolean;
  memory?: boolean;
  extract?: string;
  summary?: boolean;
  lossless?: boolean;
  json?: boolean;
  descriptions?: string;
  progress: boolean;
}

export const command: CliCommand = {
  name: 'analyze',
  summary:
    'Read a migration stream: device state as analyze-migration.py prints it, summary, RAM, lossless JSON',
  configure: (cmd: Command) =>
    cmd
      .argument('<stream>', 'a migration stream file, or - for stdin')
      .option('--desc', "print the stream's vmdesc (analyze-migration.py -d desc)")
      .option('--memory', 'also print every RAM page (what analyze-migration.py -m means to print)')
      .option(
        '--extract <dir>',
        'write RAM blocks as sparse files, plus state.json and desc.json, into <dir>',
      )
      .option('--summary', 'print a table of sections, RAM size, zero-page ratio and machine type')
      .option('--lossless', 'print the lossless JSON form (`vmstate assemble` turns it back into the stream)')
      .option('--json', 'machine-readable output (with --summary and --extract)')
      .option(
        '--descriptions <module>',
        'decode sections with these descriptions (module exporting `descriptions`)',
      )
      .option('--no-progress', 'no progress bar')
      .addHelpText(
        'after',
        '\nExit codes: 0 ok; 1 --desc on a stream without vmdesc; 2 bad arguments or unreadable file;\n' +
          '3 the stream was rejected (the error names the offset and section); 70 internal error.',
      ),
  async run([path], options: Options) {
    const modes = [options.desc, options.summary, options.lossless].filter(Boolean).length;
    if (modes > 1) throw new UsageError('choose one of --desc, --summary, --lossless');
    const { source, size } = await streamArg(path as string);
    const descriptions = await descriptionsArg(options.descriptions);
    if (options.extract !== undefined) await mkdir(options.extract, { recursive: true });
    const progress = progressFor(size, options.progress);
    let analysis: Awaited<ReturnType<typeof analyzeStream>>;
    try {
      analysis = await analyzeStream(source, {
        memory: options.memory === true,
        lossless: options.lossless === true,
        ...(options.extract === undefined ? {} : { extractTo: options.extract }),
        ...(descriptions ? { descriptions } : {}),
        ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
      });
    } finally {
      progress.stop();
    }
    const out = (s: string) => process.stdout.write(s);
    for (const note of analysis.notes) process.stderr.write(`note: ${note}\n`);
    if (options.desc) {
      if (!analysis.vmdesc) {
        process.stderr.write('this stream has no vmdesc to print\n');
        return ExitCode.negative;
      }
      out(analysisText(analysis.vmdesc.json));
      return ExitCode.ok;
    }
    if (options.summary) {
      out(
        options.json
          ? `${JSON.stringify(printableSummary(analysis.summary), null, 2)}\n`
          : formatSummary(analysis.summary),
      );
      return ExitCode.ok;
    }
    if (options.lossless) {
      out(`${JSON.stringify(analysis.lossless, null, 1)}\n`);
      return ExitCode.ok;
    }
    const state = analysisText(analysis.state);
    if (options.extract !== undefined) {
      const files = [...analysis.extracted];
      await writeFile(join(options.extract, 'state.json'), state);
      files.push(join(options.extract, 'state.json'));
      if (analysis.vmdesc) {
        await writeFile(join(options.extract, 'desc.json'), analysisText(analysis.vmdesc.json));
        files.push(join(options.extract, 'desc.json'));
      }
      out(options.json ? `${JSON.stringify({ files }, null, 2)}\n` : `${files.join('\n')}\n`);
      return ExitCode.ok;
    }
    out(state);
    return ExitCode.ok;
  },
};
