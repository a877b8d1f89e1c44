import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import {
  formatLabText,
  hasUnsafe,
  printable,
  renderLabHtml,
  reviveTraceJson,
  runLab,
  type Trace,
  type VersionSet,
} from '../../compat/index.js';
import type { CliCommand } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';

function isVersionSet(v: unknown): v is VersionSet {
  const o = v as VersionSet | undefined;
  return typeof o === 'object' && o !== null && Array.isArray(o.versions) && typeof o.machines === 'object';
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
  try {
    return (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`cannot load module ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function loadTrace(path: string): Promise<Trace> {
  let trace: unknown;
  if (path.endsWith('.json')) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      trace = JSON.parse(text, reviveTraceJson);
    } catch (e) {
      throw new UsageError(`${path} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    const mod = await importModule(path);
    trace = mod.trace ?? mod.default;
  }
  if (!isTrace(trace))
    throw new UsageError(`${path} holds no trace ({ version, machine, steps: [{ state }] })`);
  return trace;
}

function count(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

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
      .option('--seed <s>', 'fast-check seed (the same seed gives the same report)', '42'),
  async run(
    [modulePath],
    options: { trace?: string; json?: boolean; html?: string; runs: string; seed: string },
  ) {
    const mod = await importModule(modulePath as string);
    const versions = mod.versions ?? mod.default;
    if (!isVersionSet(versions)) {
      throw new UsageError(`${modulePath} does not export \`versions\` built with defineVersions()`);
    }
    const trace = options.trace ? await loadTrace(options.trace) : mod.trace;
    if (trace !== undefined && !isTrace(trace))
      throw new UsageError(`the \`trace\` export of ${modulePath} is not a trace`);
    const report = runLab(versions, {
      runs: count('--runs', options.runs),
      seed: count('--seed', options.seed),
      ...(trace ? { trace } : {}),
    });
    if (options.json) process.stdout.write(`${JSON.stringify(printable(report), null, 2)}\n`);
    else process.stdout.write(formatLabText(report));
    if (options.html) {
      await writeFile(options.html, await renderLabHtml(report, { title: `vmstate matrix: ${modulePath}` }));
      process.stderr.write(`HTML report written to ${options.html}\n`);
    }
    return hasUnsafe(report) ? ExitCode.negative : ExitCode.ok;
  },
};
