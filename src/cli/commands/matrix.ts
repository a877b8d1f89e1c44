import type { Command } from 'commander';
import { importUserModule, ModuleLoadError } from '../../compat/base/load-module.js';
import {
  formatLabText,
  hasUnsafe,
  printable,
  renderLabHtml,
  reviveTraceJson,
  runLab,
  type Trace,
  type VersionSet,
} from '../../compat/lab/index.js';
import type { CliCommand } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { fitWidth } from '../fit-width.js';
import { count, writable } from '../options.js';
import { writeTextOutput } from '../output.js';
import { readJsonArg } from '../read-input.js';

/** Built by defineVersions: a list of releases, a machine registry and the `version` lookup. */
function isVersionSet(v: unknown): v is VersionSet {
  const o = v as VersionSet | undefined;
  return (
    typeof o === 'object' &&
    o !== null &&
    Array.isArray(o.versions) &&
    o.versions.length > 0 &&
    typeof o.version === 'function' &&
    typeof o.machines === 'object' &&
    o.machines !== null &&
    Array.isArray(o.machines.names) &&
    typeof o.machines.context === 'function'
  );
}

function isTrace(v: unknown): v is Trace {
  const o = v as Trace | undefined;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.version === 'string' &&
    typeof o.machine === 'string' &&
    Array.isArray(o.steps)
  );
}

async function importModule(path: string): Promise<Record<string, unknown>> {
  if (path.toLowerCase().endsWith('.json')) throw new UsageError(`${path}: expected a module, not JSON`);
  try {
    return await importUserModule(path);
  } catch (e) {
    throw e instanceof ModuleLoadError ? new UsageError(e.message) : e;
  }
}

async function loadTrace(path: string): Promise<Trace> {
  let trace: unknown;
  if (path.endsWith('.json')) {
    trace = await readJsonArg(path, path, reviveTraceJson);
  } else {
    const mod = await importModule(path);
    trace = mod.trace ?? mod.default;
  }
  if (!isTrace(trace))
    throw new UsageError(`${path} holds no trace ({ version, machine, steps: [{ state }] })`);
  return trace;
}

/** Fails before the run, not after it, when the report could not be written. */
export const command: CliCommand = {
  name: 'matrix',
  summary: 'Migrate generated states between every pair of versions and machine types',
  configure: (cmd: Command) =>
    cmd
      .argument('<module>', 'a module exporting `versions` (defineVersions) and optionally `trace`')
      .option('--trace <file>', 'a workload trace: .json, or a module exporting `trace`')
      .option('--json', 'print the report as JSON')
      .option('--html <out>', 'also write a self-contained HTML report to this file')
      .option('--runs <n>', 'generated states per cell', '100')
      .option('--seed <s>', 'fast-check seed (the same seed gives the same report)', '42')
      .addHelpText(
        'after',
        '\nPrints one table per machine type (a pair is UNSAFE when it, a chain through its hop or a dishonest\n' +
          'needed() loses state), counterexamples (differing members first, sender vs receiver), chains, the\n' +
          'single-hop needed() honesty table, predicates seen one way only and, with a trace, prevalence and\n' +
          'backward-migration risk. --json prints the same report as data; --html leads with every UNSAFE.\n' +
          'Exit codes: 0 no UNSAFE or crashing migration and every needed() honest (refusals are safe),\n' +
          '1 UNSAFE, crash or dishonest needed(), 2 bad arguments or a module/trace that cannot be used.',
      ),
  async run(
    [modulePath],
    options: { trace?: string; json?: boolean; html?: string; runs: string; seed: string },
  ) {
    const mod = await importModule(modulePath as string);
    const versions = mod.versions ?? mod.default;
    if (!isVersionSet(versions)) {
      throw new UsageError(`${modulePath} does not export \`versions\` built with defineVersions()`);
    }
    if (options.html) await writable(options.html);
    const trace = options.trace ? await loadTrace(options.trace) : mod.trace;
    if (trace !== undefined && !isTrace(trace))
      throw new UsageError(`the \`trace\` export of ${modulePath} is not a trace`);
    if (trace) {
      const release = versions.versions.find((v) => v.name === trace.version);
      if (!release) {
        throw new UsageError(
          `the trace was recorded on version "${trace.version}", which ${modulePath} does not define (${versions.versions.map((v) => v.name).join(', ')})`,
        );
      }
      if (!release.machines.includes(trace.machine)) {
        throw new UsageError(
          `the trace's machine type "${trace.machine}" is not one of version ${release.name}'s (${release.machines.join(', ')})`,
        );
      }
    }
    const report = runLab(versions, {
      // No states would make every cell a vacuous "ok".
      runs: count('--runs', options.runs, 1),
      seed: count('--seed', options.seed),
      ...(trace ? { trace } : {}),
    });
    if (options.json) process.stdout.write(`${JSON.stringify(printable(report), null, 2)}\n`);
    else process.stdout.write(fitWidth(formatLabText(report)));
    if (options.html) {
      const page = await renderLabHtml(report, { title: `vmstate matrix: ${modulePath}` });
      await writeTextOutput(options.html, page, [
        modulePath as string,
        ...(options.trace ? [options.trace] : []),
      ]);
      process.stderr.write(`HTML report written to ${options.html}\n`);
    }
    return hasUnsafe(report) ? ExitCode.negative : ExitCode.ok;
  },
};
