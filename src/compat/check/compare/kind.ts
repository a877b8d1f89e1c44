import type { FindingCode, Severity } from '../finding.js';

/** Who is who in one direction's walk, as the messages name them. */
export interface Roles {
  /** "source" or "destination": the sender's role in this direction. */
  readonly send: string;
  /** The receiver's role. */
  readonly recv: string;
  /** The sender's machine type, when known. */
  readonly machine: string | undefined;
}

/**
 * One kind of finding, as data: its code, how bad it is, and how its message, suggestion and
 * details are made from the facts `D` the comparison found. A new finding is one more record in
 * kinds.ts; the comparison only names the kind and hands over the facts.
 */
export interface FindingKind<D> {
  readonly code: FindingCode;
  /** Fixed, or decided by the facts (a predicate, a padding run, how often it is sent). */
  readonly severity: Severity | ((d: D) => Severity);
  readonly message: (d: D, r: Roles) => string;
  readonly suggestion: (d: D) => string;
  /** The finding's `details`; none when absent. */
  readonly details?: (d: D) => Record<string, unknown>;
}

/** Declares a kind with its facts' type inferred from the message. */
export function kind<D>(k: FindingKind<D>): FindingKind<D> {
  return k;
}

export function quotedNames(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

export function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
