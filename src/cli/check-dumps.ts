import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import {
  type CheckReport,
  checkCompatibility,
  checkReportJson,
  type DirectionOption,
} from '../compat/check/check.js';
import { dumpSetFromText, isJsonInput, readDumpText } from '../compat/check/dump-text.js';
import type { Severity } from '../compat/check/finding.js';
import type { DescriptionSet } from '../compat/check/model.js';
import { isMigrationStream } from '../compat/check/stream/magic.js';
import { formatCheckText } from '../compat/check/text.js';
import { formatIssue, type Issue, MigrationError } from '../errors/index.js';
import { coloursFor } from './colours.js';
import { ExitCode, type ExitCodeValue, UsageError } from './exit-codes.js';
import { refuseDeepText, tooDeep } from './json-depth.js';
import { quietOnClosedOutput } from './output.js';
import { type QuickSyntax, quickParse } from './quick-parse.js';
import { reportError } from './report-error.js';

/**
 * `vmstate check` of two descriptions. The common case, two `-dump-vmstate` files with no other
 * option than --json, --hide-info or --direction, runs from the entry through checkDumpsFast: one
 * entry of the CLI bundle (scripts/build.mjs), without commander or the command table.
 */

export type CheckOptionValues = {
  direction: DirectionOption;
  machine?: string;
  json?: boolean;
  hideInfo?: boolean;
};

/** An input problem as one line: the JSON path and code only where they say something. */
export function inputProblem(e: MigrationError): UsageError {
  const line = (issue: Issue) => (issue.path.length === 0 ? issue.message : formatIssue(issue));
  return new UsageError(e.issues.map(line).join('\n'));
}

const pc = coloursFor(process.stdout);
export const PAINT: Record<Severity, (s: string) => string> = {
  error: pc.red,
  warning: pc.yellow,
  info: pc.dim,
};

/** A JSON input's text (or why it cannot be read); `undefined` for a module. */
function jsonText(input: string): string | MigrationError | undefined {
  if (!isJsonInput(input)) return undefined;
  try {
    return readDumpText(input);
  } catch (e) {
    if (e instanceof MigrationError) return e;
    throw e;
  }
}

/**
 * Reads both inputs (each JSON file once: its nesting is measured on that text, then it is parsed)
 * and checks them. Depth first for both, as before any other problem with either; then the source's
 * problem before the destination's. Modules go to `loadModule` (the command passes the loader).
 */
async function loadBoth(
  inputs: readonly [string, string],
  loadModule: ((input: string) => Promise<DescriptionSet>) | undefined,
): Promise<[DescriptionSet, DescriptionSet]> {
  const texts = inputs.map(jsonText);
  texts.forEach((text, i) => {
    if (typeof text === 'string') refuseDeepText(text, inputs[i] as string);
  });
  const sets = await Promise.all(
    inputs.map(async (input, i) => {
      const text = texts[i];
      if (text instanceof MigrationError) throw text;
      if (text !== undefined) return dumpSetFromText(text, input, basename(input));
      if (!loadModule) throw new UsageError(`${input} is not a .json file`);
      return loadModule(input);
    }),
  );
  return sets as [DescriptionSet, DescriptionSet];
}

/** Checks two descriptions and prints the report; the exit code says whether errors were found. */
export async function checkDescriptions(
  source: string,
  destination: string,
  options: CheckOptionValues,
  loadModule?: (input: string) => Promise<DescriptionSet>,
): Promise<ExitCodeValue> {
  let report: CheckReport;
  try {
    const [src, dst] = await loadBoth([source, destination], loadModule);
    report = checkCompatibility(src, dst, { direction: options.direction });
  } catch (e) {
    // An input that cannot be read or is not a description set is a usage problem (exit 2).
    if (e instanceof MigrationError) throw inputProblem(e);
    return tooDeep(e, 'an input');
  }
  if (options.json) process.stdout.write(`${JSON.stringify(checkReportJson(report), null, 2)}\n`);
  else {
    process.stdout.write(
      formatCheckText(report, {
        paint: (severity, text) => PAINT[severity](text),
        ...(options.hideInfo ? { hideInfo: true } : {}),
      }),
    );
  }
  return report.ok ? ExitCode.ok : ExitCode.negative;
}

export const DIRECTIONS: readonly DirectionOption[] = ['forward', 'backward', 'both'];

/**
 * The options the fast path reads, declared once: commands/check.ts declares the same records to
 * commander (with --direction's choices and --machine, which only modules use).
 */
export const DUMP_CHECK_SYNTAX = {
  arity: 2,
  options: [
    { flags: '--direction <direction>', description: 'forward (upgrade), backward (rollback) or both' },
    { flags: '--json', description: 'print { "findings": [...] } as JSON' },
    { flags: '--hide-info', description: 'leave info findings out of the text report' },
  ],
} as const satisfies QuickSyntax;

/**
 * `check` arguments in the fast path's shape: two `.json` inputs (not stdin) and only --json,
 * --hide-info, --direction forward|backward|both, parsed by quick-parse.ts (node:util parseArgs).
 * Anything else (help, --machine, a value commander would refuse, `--`) is undefined: commander
 * parses it and says what is wrong.
 */
export function dumpCheckArgs(
  args: readonly string[],
): { source: string; destination: string; options: CheckOptionValues } | undefined {
  const parsed = quickParse(DUMP_CHECK_SYNTAX, args);
  if (!parsed) return undefined;
  const { direction = 'both', json, hideInfo } = parsed.options;
  if (typeof direction !== 'string' || !(DIRECTIONS as readonly string[]).includes(direction))
    return undefined;
  const [source, destination] = parsed.args as [string, string];
  if (!isJsonInput(source) || !isJsonInput(destination)) return undefined;
  const options: CheckOptionValues = { direction: direction as DirectionOption };
  if (json === true) options.json = true;
  if (hideInfo === true) options.hideInfo = true;
  return { source, destination, options };
}

/** Whether the file starts with a migration stream's magic (`check STREAM DEST`, whatever its name). */
function isStream(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = new Uint8Array(4);
    return isMigrationStream(head.subarray(0, readSync(fd, head, 0, 4, 0)));
  } catch {
    return false; // unreadable: the description loader says why
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * `vmstate check A.json B.json [--json] [--hide-info] [--direction D]`, or undefined for any other
 * argument list or a source that is a migration stream (the command table then runs it).
 */
export async function checkDumpsFast(args: readonly string[]): Promise<ExitCodeValue | undefined> {
  const parsed = dumpCheckArgs(args);
  if (!parsed || isStream(parsed.source)) return undefined;
  quietOnClosedOutput();
  try {
    return await checkDescriptions(parsed.source, parsed.destination, parsed.options);
  } catch (e) {
    return reportError(e, parsed.options.json === true);
  }
}
