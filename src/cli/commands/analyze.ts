import { createWriteStream, fstatSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { importUserModule, ModuleLoadError } from '../../compat/load-module.js';
import type { Vmsd } from '../../describe/index.js';
import {
  type Analysis,
  analysisChunks,
  analyzeStream,
  blockingStdin,
  type DescriptionLookup,
  descriptionLookup,
  formatSummary,
  printableSummary,
  type StreamSource,
} from '../../stream/index.js';
import type { CliCommand } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { buildDirectory, inputRef } from '../output.js';

/** Streams above this size get a progress bar when stderr is a terminal. */
const PROGRESS_FROM = 256 << 20;

/** Checks a stream argument: `-` is stdin, anything else must be a readable file. */
export async function streamArg(path: string): Promise<{ source: StreamSource; size: number | undefined }> {
  if (path === '-') {
    // `< FILE` gives stdin a size (and a progress bar a total); a pipe has none.
    let size: number | undefined;
    try {
      const s = fstatSync(0);
      if (s.isFile()) size = s.size;
    } catch {
      // No stdin to stat: the reader reports what is wrong with it.
    }
    const stdin = process.stdin;
    // The real stdin (a pipe or a file) is read with blocking reads in large chunks; anything else
    // (a socket, a terminal, a stand-in) as a Readable.
    const fd = (stdin as { fd?: unknown }).fd === 0 ? blockingStdin() : undefined;
    return { source: fd ?? stdin, size };
  }
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
    mod = await importUserModule(path);
  } catch (e) {
    throw e instanceof ModuleLoadError ? new UsageError(e.message) : e;
  }
  const list = mod.descriptions ?? mod.default;
  if (!Array.isArray(list)) {
    throw new UsageError(
      `${path} does not export \`descriptions\` (a list of descriptions or { idstr, instanceId, vmsd })`,
    );
  }
  return descriptionLookup(list as Vmsd[]);
}

/**
 * A progress bar on stderr (or `stream`) when it is a terminal: from the start for a stream of known
 * size over PROGRESS_FROM bytes; for one of unknown size (a pipe), a running count once that much
 * has been read. A no-op otherwise.
 */
export async function progressFor(
  size: number | undefined,
  enabled: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<{
  onProgress?: (offset: number) => void;
  stop(): void;
}> {
  if (!enabled || !stream.isTTY || (size !== undefined && size < PROGRESS_FROM)) return { stop() {} };
  // Loaded only for a terminal: piped and scripted runs never pay for it.
  const { default: cliProgress } = await import('cli-progress');
  const mib = (n: number) => Math.floor(n / 2 ** 20);
  let bar: cliProgress.SingleBar | undefined;
  const start = () => {
    bar = new cliProgress.SingleBar(
      {
        stream,
        format:
          size === undefined
            ? 'reading {value} MiB (size unknown)'
            : 'reading [{bar}] {percentage}% | {value}/{total} MiB',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(size === undefined ? 0 : mib(size), 0);
  };
  if (size !== undefined) start();
  let shown = 0;
  let last = 0;
  return {
    onProgress(offset: number) {
      last = offset;
      if (!bar) {
        if (offset < PROGRESS_FROM) return;
        start();
      }
      const v = mib(offset);
      if (v !== shown) {
        shown = v;
        bar?.update(v);
      }
    },
    stop() {
      if (!bar) return;
      bar.update(mib(size ?? last));
      bar.stop();
    },
  };
}

/** Sinks whose late EPIPE errors (emitted after the write that hit them) are already ignored. */
const guarded = new WeakSet<NodeJS.WritableStream>();

/**
 * Writes text pieces to a Writable, waiting when it is full, so output of any size never gathers
 * in memory. A reader that goes away (EPIPE: `| head`) ends the output quietly; false then.
 */
export async function writePieces(sink: NodeJS.WritableStream, pieces: Iterable<string>): Promise<boolean> {
  let gone: NodeJS.ErrnoException | undefined;
  let wake: (() => void) | undefined;
  const onError = (e: NodeJS.ErrnoException) => {
    gone = e;
    wake?.();
  };
  if (!guarded.has(sink)) {
    guarded.add(sink);
    sink.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && sink.listenerCount('error') === 1) throw e;
    });
  }
  sink.on('error', onError);
  try {
    for (const piece of pieces) {
      // Destroyed by an earlier error (its event already gone by): nobody reads any more.
      if (!gone && (sink as { destroyed?: boolean }).destroyed)
        gone = Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
      if (gone) break;
      if (!sink.write(piece)) {
        await new Promise<void>((res) => {
          wake = res;
          sink.once('drain', res);
          sink.once('close', res);
        });
        sink.off('drain', wake as () => void);
        sink.off('close', wake as () => void);
        wake = undefined;
      }
    }
  } finally {
    sink.off('error', onError);
  }
  if (gone && gone.code !== 'EPIPE') throw gone;
  return gone === undefined;
}

/** Writes text pieces to a new file, through a stream (see writePieces). */
async function writeFilePieces(path: string, pieces: Iterable<string>): Promise<void> {
  const file = createWriteStream(path);
  await writePieces(file, pieces);
  await new Promise<void>((res, rej) => {
    file.once('error', rej);
    file.end(() => res());
  });
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
        'write RAM blocks as sparse files, plus state.json and desc.json, into <dir> (built anew and swapped in)',
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
        '\n--extract builds a new directory and swaps it in when the stream was read whole; an existing <dir>\n' +
          'must be empty or an earlier extraction (it holds state.json). --lossless on a stream rejected half-way\n' +
          'ends its document with a "rejected" item, which `vmstate assemble` refuses.\n' +
          'Exit codes: 0 ok; 1 --desc on a stream without vmdesc; 2 bad arguments, unreadable file or unusable\n' +
          '<dir>; 3 the stream was rejected (the error names the offset and section); 70 internal error.',
      ),
  async run([path], options: Options) {
    const modes = [options.desc, options.summary, options.lossless].filter(Boolean).length;
    if (modes > 1) throw new UsageError('choose one of --desc, --summary, --lossless');
    const { source, size } = await streamArg(path as string);
    const descriptions = await descriptionsArg(options.descriptions);
    const analyze = async (extractTo: string | undefined) => {
      const progress = await progressFor(size, options.progress);
      try {
        return await analyzeStream(source, {
          memory: options.memory === true,
          // Written as it is made: the document of a big guest is bigger than the guest.
          ...(options.lossless
            ? {
                losslessTo: async (piece: string) => {
                  // The reader went away (`| head`): stop reading the stream too.
                  if (!(await writePieces(process.stdout, [piece]))) throw new OutputClosed();
                },
              }
            : {}),
          ...(extractTo === undefined ? {} : { extractTo }),
          ...(descriptions ? { descriptions } : {}),
          ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
        });
      } finally {
        progress.stop();
      }
    };
    const notes = (analysis: Analysis) => {
      for (const note of analysis.notes) process.stderr.write(`note: ${note}\n`);
    };
    const out = (s: string) => writePieces(process.stdout, [s]);
    if (options.extract !== undefined) {
      const dir = options.extract;
      // Built in a new directory, swapped in only when everything is written: a rejected stream
      // leaves an earlier extraction (or nothing) in place, never a mix.
      const files = await buildDirectory(dir, [inputRef(path as string)], 'state.json', async (building) => {
        const analysis = await analyze(building);
        notes(analysis);
        const written = [...analysis.extracted];
        await writeFilePieces(join(building, 'state.json'), analysisChunks(analysis.state));
        written.push(join(building, 'state.json'));
        if (analysis.vmdesc) {
          await writeFilePieces(join(building, 'desc.json'), analysisChunks(analysis.vmdesc.json));
          written.push(join(building, 'desc.json'));
        }
        return written.map((f) => join(dir, relative(building, f)));
      });
      await out(options.json ? `${JSON.stringify({ files }, null, 2)}\n` : `${files.join('\n')}\n`);
      return ExitCode.ok;
    }
    let analysis: Analysis;
    try {
      analysis = await analyze(undefined);
    } catch (e) {
      if (e instanceof OutputClosed) return ExitCode.ok;
      throw e;
    }
    notes(analysis);
    if (options.desc) {
      if (!analysis.vmdesc) {
        process.stderr.write('this stream has no vmdesc to print\n');
        return ExitCode.negative;
      }
      await writePieces(process.stdout, analysisChunks(analysis.vmdesc.json));
      return ExitCode.ok;
    }
    if (options.summary) {
      await out(
        options.json
          ? `${JSON.stringify(printableSummary(analysis.summary), null, 2)}\n`
          : formatSummary(analysis.summary),
      );
      return ExitCode.ok;
    }
    if (options.lossless) return ExitCode.ok;
    // Piece by piece: with --memory the text is about three times the guest's RAM.
    await writePieces(process.stdout, analysisChunks(analysis.state));
    return ExitCode.ok;
  },
};

/** Thrown to stop reading when nobody reads the output any more. */
class OutputClosed extends Error {}
