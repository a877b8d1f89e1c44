import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { assembleStream, losslessFileItems, writeStream } from '../../stream/index.js';
import type { CliCommand } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { descriptionsArg } from './analyze.js';

/** Writes to `path` through `fn`; the file is removed again if `fn` fails, so no half stream is left. */
export async function writeFileStream(
  path: string,
  fn: (sink: NodeJS.WritableStream) => Promise<unknown>,
): Promise<void> {
  const sink = createWriteStream(path);
  const opened = new Promise<void>((res, rej) => {
    sink.once('open', () => res());
    sink.once('error', (e) => rej(new UsageError(`cannot write ${path}: ${e.message}`)));
  });
  await opened;
  try {
    await fn(sink);
    await new Promise<void>((res, rej) => {
      sink.once('error', rej);
      sink.end(() => res());
    });
  } catch (e) {
    sink.destroy();
    await rm(path, { force: true });
    throw e;
  }
}

export const command: CliCommand = {
  name: 'assemble',
  summary: 'Write the migration stream a lossless JSON (from `analyze --lossless`) describes',
  configure: (cmd: Command) =>
    cmd
      .argument('<json>', 'the lossless JSON document')
      .requiredOption('-o, --output <stream>', 'the stream file to write')
      .option(
        '--descriptions <module>',
        'descriptions for sections decoded by them (module exporting `descriptions`)',
      )
      .option('--json', 'print what was written as JSON ({ output, bytes }) on stdout')
      .addHelpText(
        'after',
        '\nExit codes: 0 written; 2 bad arguments, unreadable or non-JSON input; 3 the document was rejected\n' +
          '(an item or value that does not fit, named by its path); 70 internal error.',
      ),
  async run([jsonPath], options: { output: string; descriptions?: string; json?: boolean }) {
    const path = jsonPath as string;
    const descriptions = await descriptionsArg(options.descriptions);
    const assembleOptions = descriptions ? { descriptions } : {};
    // The layout `analyze --lossless` writes is read piece by piece (documents of any size);
    // anything else is parsed whole.
    let piecewise: ReturnType<typeof losslessFileItems>;
    try {
      piecewise = losslessFileItems(path, assembleOptions);
    } catch (e) {
      // A file system error (ENOENT, EISDIR, …) is a usage error; anything else is reported as is.
      if (!(e instanceof Error) || !('errno' in e)) throw e;
      throw new UsageError(`cannot read ${path}: ${e.message}`);
    }
    let doc: unknown;
    if (!piecewise) {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
      }
      try {
        doc = JSON.parse(text);
      } catch (e) {
        throw new UsageError(`${path} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    let bytes = 0;
    await writeFileStream(options.output, async (sink) => {
      bytes = piecewise
        ? await writeStream(piecewise.items, sink, { pageSize: piecewise.pageSize })
        : await assembleStream(doc, sink, assembleOptions);
    });
    if (options.json) process.stdout.write(`${JSON.stringify({ output: options.output, bytes })}\n`);
    else process.stderr.write(`wrote ${bytes} bytes to ${options.output}\n`);
    return ExitCode.ok;
  },
};
