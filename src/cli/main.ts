import { commands } from './commands.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import { quietOnClosedOutput } from './output.js';
import { quickParse } from './quick-parse.js';
import { reportError } from './report-error.js';
import { quickAnswer, topHelp } from './top-help.js';

/** Runs the CLI and returns the exit code; never calls process.exit itself (tests call this). */
export async function main(argv: readonly string[]): Promise<ExitCodeValue> {
  const quick = quickAnswer(argv);
  if (quick !== undefined) return quick;
  quietOnClosedOutput();
  const [name = '', ...rest] = argv;
  const entry = commands[name];
  if (!entry) {
    process.stderr.write(`vmstate: unknown command "${name}"\n\n${topHelp()}\n`);
    return ExitCode.usage;
  }
  const spec = await entry.load();
  const plain = spec.quick && quickParse(spec.quick, rest);
  if (plain) {
    try {
      return await spec.run(plain.args, plain.options);
    } catch (e) {
      return reportError(e, plain.options.json === true);
    }
  }
  // Loaded here, not at the top: `vmstate --help` and a mistyped command never need commander.
  const { Command } = await import('commander');
  let code: ExitCodeValue = ExitCode.ok;
  const cmd = spec.configure(new Command(`vmstate ${spec.name}`).description(spec.summary));
  // `--json` makes errors JSON too, usage errors found by commander included (known before parsing).
  const json = cmd.options.some((o) => o.long === '--json') && wantsJson(rest);
  cmd
    .exitOverride()
    .configureOutput({ writeErr: (s) => (json ? undefined : process.stderr.write(s)) })
    .action(async (...params: unknown[]) => {
      // commander passes positional arguments, then the options object, then the command.
      const args = params.slice(0, -2);
      const options = params[params.length - 2];
      code = await spec.run(args, options);
    });
  try {
    await cmd.parseAsync([...rest], { from: 'user' });
    return code;
  } catch (e) {
    return reportError(e, json);
  }
}

/** `--json` among the options (before a `--` that ends them). */
function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}
