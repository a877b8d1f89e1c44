import { join, relative } from 'node:path';
import type { Command } from 'commander';
import type { Vmsd } from '../../describe/index.js';
// The stream's modules themselves, not its index: the index would bring every stage (writers,
// atomic outputs and node:crypto) into `analyze`'s start-up.
import { type Analysis, analysisChunks, analyzeStream } from '../../stream/analyze/analyze.js';
import { formatSummary, printableSummary } from '../../stream/analyze/summary.js';
import { type DescriptionLookup, descriptionLookup } from '../../stream/read/reader.js';
import type { CliCommand } from '../command.js';
import { ExitCode, type ExitCodeValue, UsageError } from '../exit-codes.js';
import { buildDirectory, inputRef } from '../output.js';
import { progressFor } from '../progress.js';
import { addOptions, type QuickSyntax } from '../quick-parse.js';
import { streamArg } from '../stream-arg.js';
import { writeFilePieces, writePieces } from '../write-pieces.js';

/** Loads `--descriptions MODULE`: it exports `descriptions`, a list of descriptions or `{ idstr, instanceId, vmsd }`. */
export async function descriptionsArg(path: string | undefined): Promise<DescriptionLookup | undefined> {
  if (path === undefined) return undefined;
  // Loaded only for this option (it is not needed to read a stream).
  const { importUserModule, ModuleLoadError } = await import('../../compat/base/load-module.js');
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

/**
 * Option pairs that cannot mean anything together: one of them would be ignored silently. `--desc`
 * prints the vmdesc as it is; `--summary` counts pages without listing them; `--lossless` holds every
 * page already; `--extract` writes files instead of printing. (`--json` always counts: it makes errors
 * JSON; with --summary and --extract it also makes the output JSON, which is otherwise JSON already.)
 */
export const CONFLICTS: readonly (readonly [keyof Options, keyof Options])[] = [
  ['desc', 'summary'],
  ['desc', 'lossless'],
  ['summary', 'lossless'],
  ['desc', 'memory'],
  ['summary', 'memory'],
  ['lossless', 'memory'],
  ['desc', 'descriptions'],
  ['extract', 'desc'],
  ['extract', 'summary'],
  ['extract', 'lossless'],
];

const flag = (name: keyof Options) => `--${name}`;

/** A usage error naming the first pair of options given together that cannot be. */
export function refuseConflicts(options: Partial<Options>): void {
  for (const [a, b] of CONFLICTS) {
    if (options[a] !== undefined && options[b] !== undefined && options[a] !== false && options[b] !== false)
      throw new UsageError(`${flag(a)} and ${flag(b)} cannot be used together (${flag(b)} would be ignored)`);
  }
}

/** The options, declared once: commander shows them in --help, quick-parse.ts reads plain command lines. */
const SYNTAX: QuickSyntax = {
  arity: 1,
  options: [
    { flags: '--desc', description: "print the stream's vmdesc (analyze-migration.py -d desc)" },
    {
      flags: '--memory',
      description: 'also print every RAM page (what analyze-migration.py -m means to print)',
    },
    {
      flags: '--extract <dir>',
      description:
        'write RAM blocks as sparse files, plus state.json and desc.json, into <dir> (built anew and swapped in)',
    },
    {
      flags: '--summary',
      description: 'print a table of sections, RAM size, zero-page ratio and machine type',
    },
    {
      flags: '--lossless',
      description: 'print the lossless JSON form (`vmstate assemble` turns it back into the stream)',
    },
    {
      flags: '--json',
      description: 'errors as JSON; with --summary and --extract the output too (else JSON already)',
    },
    {
      flags: '--descriptions <module>',
      description: 'decode sections with these descriptions (module exporting `descriptions`)',
    },
    { flags: '--no-progress', description: 'no progress bar' },
  ],
};

export const command: CliCommand = {
  name: 'analyze',
  summary:
    'Read a migration stream: device state as analyze-migration.py prints it, summary, RAM, lossless JSON',
  quick: SYNTAX,
  configure: (cmd: Command) =>
    addOptions(cmd.argument('<stream>', 'a migration stream file, or - for stdin'), SYNTAX).addHelpText(
      'after',
      '\n--extract builds a new directory and swaps it in when the stream was read whole; an existing <dir>\n' +
        'must be empty or an earlier extraction (it holds state.json). --lossless on a stream rejected half-way\n' +
        'ends its document with a "rejected" item, which `vmstate assemble` refuses.\n' +
        'Options that would be ignored together are refused: --desc, --summary, --lossless and --extract\n' +
        'exclude each other; --memory goes with the state or --extract, --descriptions not with --desc.\n' +
        'Exit codes: 0 ok; 1 --desc on a stream without vmdesc; 2 bad arguments, unreadable file or unusable\n' +
        '<dir>; 3 the stream was rejected (the error names the offset and section); 70 internal error.',
    ),
  async run([path], options: Options) {
    refuseConflicts(options);
    const { source, size } = await streamArg(path as string);
    const descriptions = await descriptionsArg(options.descriptions);
    const analyze = async (extractTo: string | undefined) => {
      const progress = await progressFor(size, options.progress);
      try {
        return await analyzeStream(source, {
          memory: options.memory === true,
          // Written as it is made: the document of a big guest is bigger than the guest.
          ...(options.lossless ? { losslessTo: printLossless } : {}),
          ...(extractTo === undefined ? {} : { extractTo }),
          ...(descriptions ? { descriptions } : {}),
          ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
        });
      } finally {
        progress.stop();
      }
    };
    if (options.extract !== undefined) return extract(path as string, options.extract, options, analyze);
    let analysis: Analysis;
    try {
      analysis = await analyze(undefined);
    } catch (e) {
      if (e instanceof OutputClosed) return ExitCode.ok;
      throw e;
    }
    return print(analysis, options);
  },
};

type Analyze = (extractTo: string | undefined) => Promise<Analysis>;

const printNotes = (analysis: Analysis) => {
  for (const note of analysis.notes) process.stderr.write(`note: ${note}\n`);
};

async function printLossless(piece: string): Promise<void> {
  // The reader went away (`| head`): stop reading the stream too.
  if (!(await writePieces(process.stdout, [piece]))) throw new OutputClosed();
}

/** `--extract DIR`: built in a new directory, swapped in only when everything is written. */
async function extract(
  path: string,
  dir: string,
  options: Options,
  analyze: Analyze,
): Promise<ExitCodeValue> {
  // A rejected stream leaves an earlier extraction (or nothing) in place, never a mix.
  const files = await buildDirectory(dir, [inputRef(path)], 'state.json', async (building) => {
    const analysis = await analyze(building);
    printNotes(analysis);
    const written = [...analysis.extracted];
    await writeFilePieces(join(building, 'state.json'), analysisChunks(analysis.state));
    written.push(join(building, 'state.json'));
    if (analysis.vmdesc) {
      await writeFilePieces(join(building, 'desc.json'), analysisChunks(analysis.vmdesc.json));
      written.push(join(building, 'desc.json'));
    }
    return written.map((f) => join(dir, relative(building, f)));
  });
  const text = options.json ? `${JSON.stringify({ files }, null, 2)}\n` : `${files.join('\n')}\n`;
  await writePieces(process.stdout, [text]);
  return ExitCode.ok;
}

/** Prints what was asked of a stream read whole: the vmdesc, the summary or the state. */
async function print(analysis: Analysis, options: Options): Promise<ExitCodeValue> {
  printNotes(analysis);
  if (options.desc) {
    if (!analysis.vmdesc) {
      process.stderr.write('this stream has no vmdesc to print\n');
      return ExitCode.negative;
    }
    await writePieces(process.stdout, analysisChunks(analysis.vmdesc.json));
    return ExitCode.ok;
  }
  if (options.summary) {
    const summary = analysis.summary;
    const text = options.json
      ? `${JSON.stringify(printableSummary(summary), null, 2)}\n`
      : formatSummary(summary);
    await writePieces(process.stdout, [text]);
    return ExitCode.ok;
  }
  if (options.lossless) return ExitCode.ok;
  // Piece by piece: with --memory the text is about three times the guest's RAM.
  await writePieces(process.stdout, analysisChunks(analysis.state));
  return ExitCode.ok;
}

/** Thrown to stop reading when nobody reads the output any more. */
class OutputClosed extends Error {}
