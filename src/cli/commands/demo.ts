import type { Command } from 'commander';
import type { CliCommand } from '../command.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { fitWidth } from '../fit-width.js';
import { count, writable } from '../options.js';
import { writeTextOutput } from '../output.js';

export const command: CliCommand = {
  name: 'demo',
  summary: 'The floppy-controller scenario: migrate running workloads between releases, measure what breaks',
  configure: (cmd: Command) =>
    cmd
      .option('--seed <n>', 'seeds the workloads and the migration points (same seed, same report)', '1')
      .option('--steps <n>', 'random migration points per workload profile and runtime', '200')
      .option('--rare <n>', 'extra points per kind of state in which the phase is not prevalent', '20')
      .option('--sectors <n>', 'sectors each workload reads and writes', '200')
      .option('--full', 'run every migrated workload to its end (slower; no convergence shortcut)')
      .option('--json', 'print the measurements as JSON')
      .option(
        '--html <out>',
        "also write the HTML report there: the lab's report on the four releases, with these measurements (runs the lab)",
      )
      .option('--no-html', 'do not write the HTML report (the default; the lab is not run)')
      .option('--live', 'live migration between two processes over TCP instead (see docs/migrate.md)')
      .option('--migrations <n>', 'with --live: migrations to run', '6')
      .option('--memory <MiB>', 'with --live: the guest memory in MiB (at least 64)', '64')
      .addHelpText(
        'after',
        '\nPrints, per policy and driver profile: how often fdc/phase is sent, the backward success rate,\n' +
          'the behaviour changes the guest saw, and the states that fail. Default run: about 20 s.\n' +
          'Exit codes: 0 done (the report says which claims hold), 2 bad arguments or an unwritable report.\n' +
          'With --live (--json): 0 when nothing was lost and exactly one side ran after every migration, 1 otherwise.',
      ),
  async run(
    _args,
    options: {
      seed: string;
      steps: string;
      rare: string;
      sectors: string;
      full?: boolean;
      json?: boolean;
      html?: string | false;
      live?: boolean;
      migrations: string;
      memory: string;
    },
  ) {
    if (options.live) return runLive(options);
    const seed = count('--seed', options.seed);
    const steps = count('--steps', options.steps, 1);
    const rare = count('--rare', options.rare);
    const sectors = count('--sectors', options.sectors, 1);
    const html = options.html === false || options.html === '' ? undefined : options.html;
    // Fail before the long run, not after it.
    if (html) await writable(html);
    const demo = await import('../../demo/demo.js');
    // cli-progress is loaded only for a terminal.
    const cliProgress =
      process.stderr.isTTY && !options.json ? (await import('cli-progress')).default : undefined;
    const bar = cliProgress
      ? new cliProgress.SingleBar(
          {
            format: 'migrating {bar} {value}/{total} points · {what}',
            stream: process.stderr,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    bar?.start(1, 0, { what: '' });
    const result = demo.runDemo({
      seed,
      steps,
      rare,
      sectors,
      full: options.full === true,
      ...(html ? { lab: {} } : {}),
      onProgress: (done, total, what) => {
        bar?.setTotal(total);
        bar?.update(done, { what: what === 'lab' ? 'running the compatibility lab' : what });
      },
    });
    bar?.stop();
    if (options.json) process.stdout.write(`${JSON.stringify(result.report, null, 2)}\n`);
    else process.stdout.write(fitWidth(demo.formatDemoText(result.report)));
    if (html) {
      await writeTextOutput(html, await demo.renderDemoHtml(result));
      process.stderr.write(`HTML report written to ${html}\n`);
    }
    return ExitCode.ok;
  },
};

/** `--live`: the live-migration scenario (src/demo/live.ts). */
async function runLive(options: {
  seed: string;
  json?: boolean;
  migrations: string;
  memory: string;
}): Promise<ExitCodeValue> {
  const seed = count('--seed', options.seed);
  const migrations = count('--migrations', options.migrations, 1);
  const memoryMiB = count('--memory', options.memory, 64);
  const live = await import('../../demo/live.js');
  const report = await live.runLiveDemo({
    seed,
    migrations,
    memoryMiB,
    onProgress: (done, total, what) => {
      if (!options.json && process.stderr.isTTY)
        process.stderr.write(`migration ${done}/${total}: ${what}\n`);
    },
  });
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(fitWidth(live.formatLiveText(report)));
  return report.lost === 0 && report.bothRunning === 0 && report.noneRunning === 0
    ? ExitCode.ok
    : ExitCode.negative;
}
