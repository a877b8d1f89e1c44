import { formatIssue, type Issue, type IssueCode, type PathSegment } from './issue.js';

/** The one error type of the library: a list of issues, never a bare string. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  readonly issues: readonly Issue[];

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
