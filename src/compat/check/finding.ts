import type { Issue, IssueCode } from '../../errors/index.js';

/**
 * What the checker reports. Where a finding predicts a load failure the library itself reports,
 * it uses that issue's code (`unknown-section`, `version-too-new`, `version-too-old`,
 * `unknown-subsection`); the rest are the checker's own.
 */
export type FindingCode =
  | Extract<IssueCode, 'unknown-section' | 'version-too-new' | 'version-too-old' | 'unknown-subsection'>
  /** The two inputs describe different machine types (`vmschkmachine`). */
  | 'machine-type-differs'
  /** A section is missing by its key but one with the same description is there under another key. */
  | 'section-renamed'
  /** A description's own name changed (for a section: part of its stream id and subsection names). */
  | 'description-renamed'
  /**
   * A field only the destination has (named by history, so the code is the same both ways: going
   * forward the destination reads bytes nobody wrote, going backward it writes bytes nobody reads).
   */
  | 'field-added'
  /** A field only the source has. */
  | 'field-removed'
  /** The sender writes a field whose `since` is above the receiver's version. */
  | 'field-since-too-new'
  /** The receiver has a field the stream's version does not carry: it keeps its own value. */
  | 'field-defaulted'
  /** A field's `since` differs between the two sides. */
  | 'field-version-changed'
  /** One side has an `existsIf` predicate for the field and the other not, or they decide differently. */
  | 'field-condition-changed'
  /** Same type and size at the same place, another name: the wire is unchanged. */
  | 'field-renamed'
  /** Both sides have the field, at different places. */
  | 'field-reordered'
  /** Element size or element count differs. */
  | 'field-resized'
  /** Same size, different type; or a nested description on one side only. */
  | 'field-retyped'
  /** Fields moved into or out of a nested struct without changing the bytes. */
  | 'fields-regrouped'
  /** Padding replaced by fields of the same total size, or the reverse. */
  | 'unused-reused'
  /** Padding that no longer covers the same bytes. */
  | 'unused-size-changed'
  /** The receiver has a subsection the sender never writes: it keeps its own value. */
  | 'subsection-defaulted'
  // The rest are `check STREAM DEST`'s (a stream against the destination's dump).
  /** The stream has a configuration section (0x07) the destination's machine type does not expect. */
  | 'configuration-unexpected'
  /** The destination's machine type requires a configuration section and the stream has none. */
  | 'configuration-missing'
  /** Section footers (0x7e) where the destination expects none, or none where it expects them. */
  | 'footer-mismatch'
  /** The destination reads a section's bytes by another layout and misses where the section ends. */
  | 'layout-misread'
  /** The destination's dump cannot size a field the sender did not describe either. */
  | 'layout-undecided'
  /** A section the destination's dump does not describe (dumps list device classes only). */
  | 'section-unchecked'
  /** The dump has no element count; the sender's was taken. */
  | 'count-from-sender'
  /** A nested description's version is above the destination's (nested versions never travel). */
  | 'nested-version'
  /** The destination reads the sender's bytes into a field of another name or meaning. */
  | 'read-as-other-field'
  /** The sender's non-padding bytes land in the destination's padding (dropped). */
  | 'read-as-padding';

export type Severity = 'error' | 'warning' | 'info';

/** forward: source → destination (the upgrade); backward: destination → source (the rollback). */
export type Direction = 'forward' | 'backward';

/**
 * One finding: the library's `Issue` shape (code, path, message, details) plus how bad it is, in
 * which direction, and what to do about it.
 *
 * - `error`: the migration fails or corrupts state;
 * - `warning`: it fails or corrupts only in some states (a predicate, a machine-type property);
 * - `info`: works, but worth knowing (renames, state the receiver must default).
 */
export interface Finding extends Omit<Issue, 'code' | 'offset'> {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly direction: Direction;
  readonly suggestion: string;
}

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
