/**
 * Problems are data: every failure is a list of issues keyed by `code`, each with the place it
 * happened (a path of description/field names and array indices, and a byte offset when bytes
 * were involved). Human text is produced separately by `formatIssue`.
 */
export type IssueCode =
  | ForeseeableLoadFailure
  /** The input ended while more bytes were required. */
  | 'truncated'
  /** Bytes were left after the value that should have ended the input. */
  | 'trailing-bytes'
  /** A validation step (a `validate` field, or a field that must exist) failed. */
  | 'validation-failed'
  /** A null pointer slot was expected to carry the 0x30 marker and did not. */
  | 'bad-null-marker'
  /** A value to be saved does not fit its declared type. */
  | 'invalid-value'
  /** A description itself is malformed (found when it is compiled). */
  | 'invalid-description'
  /** Stream framing: a byte that is not allowed at this place. */
  | 'unexpected-byte'
  /** Stream framing: a section footer missing or naming another section. */
  | 'bad-footer'
  /** Stream framing: bad magic or version in the stream header. */
  | 'bad-header'
  /** A feature of the format this implementation deliberately refuses (with the reason). */
  | 'unsupported'
  /** Anything else; `message` says what. */
  | 'other';

/**
 * The codes a load fails with that can be foreseen from the sender's state and the receiver's
 * description alone, before any byte is sent: what a pre-flight predicts (compat/lab/preflight.ts).
 */
export type ForeseeableLoadFailure =
  /** A section names a device the receiver does not know. */
  | 'unknown-section'
  /** The stream's version of a description is above the receiver's `version`. */
  | 'version-too-new'
  /** The stream's version of a description is below the receiver's `minimumVersion`. */
  | 'version-too-old'
  /** A subsection arrived that the receiver's description does not declare. */
  | 'unknown-subsection'
  /** An "equal" field differs from the receiver's own value. */
  | 'not-equal'
  /** An "int32 le" field is negative or above the receiver's own value. */
  | 'not-less-or-equal'
  /** A count or size read from the input exceeds the bound the description declares. */
  | 'bound-exceeded'
  /** A hook (preSave, preLoad, postLoad, postSave) threw or reported failure. */
  | 'hook-failed';

export type PathSegment = string | number;

export interface Issue {
  readonly code: IssueCode;
  /** Outermost first: section, description, field, index, subsection, … */
  readonly path: readonly PathSegment[];
  /** Absolute byte offset in the input (or in the output being written), when known. */
  readonly offset?: number;
  /** A short explanation of this particular occurrence. */
  readonly message: string;
  /** Code-specific details (expected/actual values, names, sizes). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Renders a path the way people read it: `fdc › state › drives[1] › head`; a path that starts with
 * an index reads `[2] › head`. The empty path, a column placeholder only, is `(top)`.
 */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : ` › ${segment}`;
  }
  return out === '' ? '(top)' : out;
}

/** `path: message at byte N (0xN) [code]`; an issue about the whole input (empty path) is its message alone. */
export function formatIssue(issue: Issue): string {
  const where = issue.path.length === 0 ? '' : `${formatPath(issue.path)}: `;
  const at = issue.offset === undefined ? '' : ` at byte ${issue.offset} (0x${issue.offset.toString(16)})`;
  return `${where}${issue.message}${at} [${issue.code}]`;
}
