import { formatIssue, type Issue, type IssueCode, type PathSegment } from './issue.js';

/**
 * Marks every MigrationError, whichever copy of the library made it: the CLI bundle carries its own
 * copy, and a user's module loaded by it imports `vmstate` from the package, so `instanceof` goes by
 * this mark rather than by class identity.
 */
const BRAND = Symbol.for('vmstate.MigrationError');

/** The one error type of the library: a list of issues, never a bare string. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  readonly issues: readonly Issue[];
  readonly [BRAND] = true;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  constructor(issues: readonly Issue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.issues = issues;
  }

  /** The first issue's code: convenient for `switch` and for tests. */
  get code(): IssueCode {
    return this.issues[0]?.code ?? 'other';
  }

  /** A copy whose issues have `segments` prepended to their paths (used while unwinding). */
  within(...segments: PathSegment[]): MigrationError {
    return new MigrationError(this.issues.map((i) => ({ ...i, path: [...segments, ...i.path] })));
  }
}

export function fail(
  code: IssueCode,
  message: string,
  place: {
    path?: readonly PathSegment[];
    offset?: number | undefined;
    details?: Record<string, unknown>;
  } = {},
): never {
  const issue: Issue = {
    code,
    message,
    path: place.path ?? [],
    ...(place.offset === undefined ? {} : { offset: place.offset }),
    ...(place.details === undefined ? {} : { details: place.details }),
  };
  throw new MigrationError([issue]);
}

/**
 * Converts anything thrown by user code (hooks, predicates) into a MigrationError, so callers
 * only ever see one error type.
 */
export function asMigrationError(error: unknown, code: IssueCode, message: string): MigrationError {
  if (error instanceof MigrationError) return error;
  const cause = error instanceof Error ? error.message : String(error);
  return new MigrationError([{ code, message: `${message}: ${cause}`, path: [], details: { cause } }]);
}
