import type { Command } from 'commander';
import { assembleStream, losslessFileItems, writeStream } from '../../stream/index.js';
import type { CliCommand } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { fileInput, inputRef, writeOutput } from '../output.js';
import { readJsonArg } from '../read-input.js';
import { descriptionsArg } from './analyze.js';

export const command: CliCommand = {
  name: 'assemble',
  summary: 'Write the migration stream a lossless JSON (from `analyze --lossless`) describes',
  configure: (cmd: Command) =>
    cmd
      .argument('<json>', 'the lossless JSON document, or - for stdin')
      .requiredOption('-o, --output <stream>', 'the stream file to write, or - for stdout')
      .option(
        '--descriptions <module>',
        'descriptions for sections decoded by them (module exporting `descriptions`)',
      )
      .option('--json', 'print what was written as JSON ({ output, bytes }) on stdout')
      .addHelpText(
        'after',
        '\nThe output is written to a temporary file and renamed into place: a failed run leaves an existing\n' +
          'file untouched. An output that is the input is refused.\n' +
          'Exit codes: 0 written; 2 bad arguments, unreadable or non-JSON input, unwritable output; 3 the\n' +
          'document was rejected (an item or value that does not fit, or a document that stops before its\n' +
          '"eof" item, named by its path); 70 internal error.',
      ),
  async run([jsonPath], options: { output: string; descriptions?: string; json?: boolean }) {
    const arg = jsonPath as string;
    const descriptions = await descriptionsArg(options.descriptions);
    const assembleOptions = descriptions ? { descriptions } : {};
    // stdin is copied to a temporary file first: the layout `analyze --lossless` writes is read
    // twice, piece by piece (documents of any size).
    const input = await fileInput(arg, '.json');
    try {
      const path = input.path;
      let piecewise: ReturnType<typeof losslessFileItems>;
      try {
        piecewise = losslessFileItems(path, assembleOptions);
      } catch (e) {
        // A file system error (ENOENT, EISDIR, …) is a usage error; anything else is reported as is.
        if (!(e instanceof Error) || !('errno' in e)) throw e;
        throw new UsageError(`cannot read ${arg}: ${e.message}`);
      }
      let doc: unknown;
      if (!piecewise) {
        doc = await readJsonArg(path, arg);
      }
      const bytes = await writeOutput(options.output, [inputRef(arg)], (sink) =>
        piecewise
          ? writeStream(piecewise.items, sink, { pageSize: piecewise.pageSize })
          : assembleStream(doc, sink, assembleOptions),
      );
      if (bytes === undefined) return ExitCode.ok;
      const where = options.output === '-' ? 'stdout' : options.output;
      if (options.json) {
        const line = `${JSON.stringify({ output: options.output, bytes })}\n`;
        // With -o - the stream is on stdout: the report goes to stderr.
        (options.output === '-' ? process.stderr : process.stdout).write(line);
      } else process.stderr.write(`wrote ${bytes} bytes to ${where}\n`);
      return ExitCode.ok;
    } finally {
      await input.done();
    }
  },
};
