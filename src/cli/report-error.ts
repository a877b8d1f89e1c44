import type { CommanderError } from 'commander';
import { formatIssue, type Issue, MigrationError } from '../errors/index.js';
import { coloursFor } from './colours.js';
import { ExitCode, type ExitCodeValue, UsageError } from './exit-codes.js';
import { isClosedOutput } from './output.js';

/** What failed, as `--json` prints it on stderr (docs/cli.md, "Errors as JSON"). */
export interface ErrorJson {
  readonly error: {
    readonly exitCode: ExitCodeValue;
    readonly kind: 'usage' | 'rejected' | 'internal';
    readonly message: string;
    readonly issues: readonly IssueJson[];
  };
}

/** One issue: a MigrationError's issue as it is, or `usage` / `internal` with an empty path. */
export interface IssueJson {
  readonly code: string;
  readonly path: readonly (string | number)[];
  readonly offset?: number;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** How an error maps to an exit code and a report; undefined when it ends the command quietly. */
export function describeError(e: unknown): ErrorJson['error'] | undefined {
  if (isCommanderError(e)) {
    if (e.exitCode === 0) return undefined; // --help, --version
    return simple(ExitCode.usage, 'usage', e.message.replace(/^error: /, ''));
  }
  // The reader of our output went away (`| head`): not an error.
  if (isClosedOutput(e)) return undefined;
  if (
    e instanceof UsageError ||
    (e instanceof Error && (e.name === 'OutputError' || e.name === 'ModuleLoadError'))
  ) {
    return simple(ExitCode.usage, 'usage', e.message);
  }
  if (e instanceof MigrationError) {
    return {
      exitCode: ExitCode.rejected,
      kind: 'rejected',
      message: e.message,
      issues: e.issues.map(issueJson),
    };
  }
  const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return simple(ExitCode.internal, 'internal', text);
}

/** Reports an error on stderr, as text or (`json`) as an ErrorJson document, and returns its exit code. */
export function reportError(e: unknown, json = false): ExitCodeValue {
  const error = describeError(e);
  if (error === undefined) return ExitCode.ok;
  if (json) {
    process.stderr.write(`${JSON.stringify({ error } satisfies ErrorJson, jsonValue, 2)}\n`);
    return error.exitCode;
  }
  const pc = coloursFor(process.stderr);
  if (error.kind === 'rejected' && e instanceof MigrationError) {
    for (const issue of e.issues) process.stderr.write(`${pc.red('rejected:')} ${formatIssue(issue)}\n`);
  } else if (error.kind === 'internal') {
    process.stderr.write(`${pc.red('internal error:')} ${error.message}\n`);
  } else if (!isCommanderError(e)) {
    // commander has printed its own message already.
    process.stderr.write(`${pc.red('error:')} ${error.message}\n`);
  }
  return error.exitCode;
}

function simple(exitCode: ExitCodeValue, kind: 'usage' | 'internal', message: string): ErrorJson['error'] {
  return { exitCode, kind, message, issues: [{ code: kind, path: [], message }] };
}

function issueJson(issue: Issue): IssueJson {
  return {
    code: issue.code,
    path: issue.path,
    ...(issue.offset === undefined ? {} : { offset: issue.offset }),
    message: issue.message,
    ...(issue.details === undefined ? {} : { details: issue.details }),
  };
}

/** Details may hold bigints (64-bit fields) and byte arrays: printed as decimal strings and number lists. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Array.from(value);
  return value;
}

/** commander's own errors (its codes all start with `commander.`), known without loading it. */
export function isCommanderError(e: unknown): e is CommanderError {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === 'string' && code.startsWith('commander.');
}
