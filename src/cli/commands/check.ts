import { type Command, Option } from 'commander';
// Narrow imports, not the compat barrel: the bundle then loads only the description checker for
// two dumps, and the stream reader, codec and lab only when an input needs them.
import { loadDescriptionSet } from '../../compat/check/load.js';
import { isStreamFile } from '../../compat/check/stream/inputs.js';
import { MigrationError } from '../../errors/index.js';
import {
  type CheckOptionValues,
  checkDescriptions,
  DIRECTIONS,
  DUMP_CHECK_SYNTAX,
  inputProblem,
  PAINT,
} from '../check-dumps.js';
import type { CliCommand } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { fitWidth } from '../fit-width.js';
import { refuseDeepJson, tooDeep } from '../json-depth.js';
import { fileInput } from '../output.js';

export { inputProblem };

const [DIRECTION, JSON_OPTION, HIDE_INFO] = DUMP_CHECK_SYNTAX.options;

export const command: CliCommand = {
  name: 'check',
  summary:
    'Check from the descriptions alone what breaks when migrating between two versions, or whether a stream loads',
  configure: (cmd: Command) =>
    cmd
      .argument(
        '<source>',
        'the side that sends on upgrade: a -dump-vmstate .json file or a module; or a migration stream (QEVM); - for stdin',
      )
      .argument('<destination>', 'the side that receives on upgrade (and sends on rollback)')
      .addOption(new Option(DIRECTION.flags, DIRECTION.description).choices(DIRECTIONS).default('both'))
      .option('--machine <name>', 'modules: decide needed/existsIf predicates under this machine type')
      .option(JSON_OPTION.flags, JSON_OPTION.description)
      .option(HIDE_INFO.flags, HIDE_INFO.description)
      .addHelpText(
        'after',
        '\nA module exports `sections` (descriptions) and optionally `machines`, or a lab version set as ' +
          'file.ts#release.\n' +
          'Exit codes: 0 no error in the checked directions (warnings and infos do not count), 1 errors found,\n' +
          '2 bad arguments or an input that cannot be read or is not a description set.\n\n' +
          'check STREAM DEST: STREAM is a migration stream (recognised by its QEVM magic, whatever its name),\n' +
          "DEST the destination QEMU's -dump-vmstate JSON. Prints loads or refused, each refusal with QEMU's\n" +
          'rule and the state values that made the sender send it, and where the destination reads bytes under\n' +
          'another meaning (loads, with changes). --json adds "verdict" beside "findings".\n' +
          'Exit codes: 0 loads, 1 refused, 2 unreadable input, 3 the stream itself is malformed.',
      ),
  async run([source, destination], options: CheckOptionValues) {
    if (source === '-' && destination === '-') throw new UsageError('only one input can be stdin (-)');
    // stdin is copied to a temporary file: a stream is told by its magic, anything else is dump JSON.
    const inputs = await Promise.all([
      fileInput(source as string, '.json'),
      fileInput(destination as string, '.json'),
    ]);
    try {
      if (await isStreamFile(inputs[0].path))
        return await checkStreamInput(inputs[0].path, inputs[1].path, options);
      const machine = options.machine === undefined ? {} : { machine: options.machine };
      return await checkDescriptions(inputs[0].path, inputs[1].path, options, (input) =>
        loadDescriptionSet(input, machine),
      );
    } finally {
      for (const input of inputs) await input.done();
    }
  },
};

async function checkStreamInput(stream: string, destination: string, options: CheckOptionValues) {
  // The stream reader is loaded only for a stream: checking two dumps never needs it.
  const { checkStream, formatStreamCheckText, openStreamCheckInputs, streamCheckJson } = await import(
    '../../compat/check/stream/index.js'
  );
  let inputs: Awaited<ReturnType<typeof openStreamCheckInputs>>;
  try {
    await refuseDeepJson(destination);
    inputs = await openStreamCheckInputs(stream, destination);
  } catch (e) {
    if (e instanceof MigrationError) throw inputProblem(e);
    return tooDeep(e, 'the destination');
  }
  // A malformed stream is a MigrationError here: exit 3, naming the offset. The file is read as a
  // stream and each section back by offset: memory does not grow with the stream.
  const streamReport = await checkStream(inputs.stream, inputs.destination);
  if (options.json) process.stdout.write(`${JSON.stringify(streamCheckJson(streamReport), null, 2)}\n`);
  else {
    process.stdout.write(
      fitWidth(
        formatStreamCheckText(streamReport, {
          paint: (severity, text) => PAINT[severity](text),
          ...(options.hideInfo ? { hideInfo: true } : {}),
        }),
      ),
    );
  }
  return streamReport.verdict === 'loads' ? ExitCode.ok : ExitCode.negative;
}
