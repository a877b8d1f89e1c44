import {
  defaultContext,
  type Field,
  type MigrationContext,
  type Subsection,
  type Vmsd,
} from '../describe/index.js';
import { asMigrationError } from '../errors/index.js';

type Obj = Record<string, unknown>;

/**
 * The one answer to "is this (sub)section sent?" and "is this field on the wire?", used by the
 * codec and by every tool that predicts what the codec does (pre-flight, prevalence, `needed()`
 * honesty, the state generator). Rule for a predicate that throws: the save fails with
 * `hook-failed` (a refusal, never a silent "not needed"). {@link presentOrFailed} is the yes/no
 * reading of that rule for tools that must not fail: a failing predicate reads as *present*,
 * because "not needed" claims the receiver can rebuild the state, and a predicate that cannot
 * answer has not shown that.
 */

/**
 * A subsection is sent when its `needed` returns exactly `true` (absent: always). A subsection
 * kept under `nestedKey` is also sent only when that member is present: its state lives there,
 * so an absent member has nothing to send, whatever `needed` says.
 */
export function subsectionNeeded(sub: Subsection, obj: Obj, ctx: MigrationContext): boolean {
  if (sub.nestedKey !== undefined) {
    const member = obj[sub.nestedKey];
    if (member === null || typeof member !== 'object') return false;
  }
  if (!sub.needed) return true;
  try {
    return sub.needed(obj, ctx) === true;
  } catch (e) {
    throw asMigrationError(e, 'hook-failed', `needed() of ${sub.name} failed`);
  }
}

/** Whether a top-level description sends a section at all for this state (its `needed`). */
export function sectionNeeded(desc: Vmsd, obj: object, ctx: MigrationContext = defaultContext): boolean {
  if (!desc.needed) return true;
  try {
    return desc.needed(obj as never, ctx) === true;
  } catch (e) {
    throw asMigrationError(e, 'hook-failed', `needed() of section ${desc.name} failed`);
  }
}

/** Whether a field is on the wire: its `existsIf` returns exactly `true`, else `since <= version`. */
export function fieldExists(field: Field, obj: Obj, ctx: MigrationContext, version: number): boolean {
  if (!field.existsIf) return field.since <= version;
  try {
    return field.existsIf(obj, ctx, version) === true;
  } catch (e) {
    throw asMigrationError(e, 'hook-failed', `the existence predicate of ${field.name} failed`);
  }
}

/** The documented reading for tools that need a yes/no: a predicate that throws counts as present. */
export function presentOrFailed(test: () => boolean): boolean {
  try {
    return test();
  } catch {
    return true;
  }
}
