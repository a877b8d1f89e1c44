import { writeFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { CliCommand } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';

function count(name: string, raw: string, min = 0): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

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
        "also write the lab's HTML report on the four releases, with these measurements",
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
      html?: string;
    },
  ) {
    const seed = count('--seed', options.seed);
    const steps = count('--steps', options.steps, 1);
    const rare = count('--rare', options.rare);
    const sectors = count('--sectors', options.sectors, 1);
    // The scenario lives with the examples; the build keeps the same relative layout under dist/.
    const demo = await import('../../../examples/fdc/demo.js');
    const bar =
      process.stderr.isTTY && !options.json
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
      ...(options.html ? { lab: {} } : {}),
      onProgress: (done, total, what) => {
        bar?.setTotal(total);
        bar?.update(done, { what: what === 'lab' ? 'running the compatibility lab' : what });
      },
    });
    bar?.stop();
    if (options.json) process.stdout.write(`${JSON.stringify(result.report, null, 2)}\n`);
    else process.stdout.write(demo.formatDemoText(result.report));
    if (options.html) {
      await writeFile(options.html, await demo.renderDemoHtml(result));
      process.stderr.write(`HTML report written to ${options.html}\n`);
    } else if (!options.json) {
      process.stdout.write("Add --html report.html for the lab's report on these releases.\n");
    }
    return ExitCode.ok;
  },
};
