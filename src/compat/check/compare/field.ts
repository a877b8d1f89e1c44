import type { PathSegment } from '../../../errors/index.js';
import type { CheckField } from '../model.js';
import { compareNested } from './nested.js';
import { emit, type Gate, type Walk, within } from './walk.js';

/** How a field reads in a message: its type and count, or its struct. */
export function describeField(f: CheckField): string {
  if (f.struct) return `struct ${f.struct.name}`;
  const type = f.type ?? `${f.size}-byte element`;
  if (f.varray) return `${type}[variable]`;
  return f.count === undefined ? type : `${type}[${f.count}]`;
}

function describeKind(f: CheckField): string {
  const parts = [f.unused ? 'padding' : (f.type ?? `${f.size}-byte`)];
  if (f.vbuffer) parts.push('(variable size)');
  if (f.pointer) parts.push('(pointer slot)');
  return parts.join(' ');
}

/** Its existsIf predicate may go either way (not decided by the machine type alone). */
export function maybe(f: CheckField): boolean {
  return f.conditional && f.existsUnderMachine === undefined;
}

function fieldGate(f: CheckField): Gate | undefined {
  return maybe(f) ? { text: `field "${f.name}" exists`, cap: 'warning' } : undefined;
}

/** Whether the two sides put the field on the wire under the same conditions. */
function comparePresence(
  w: Walk,
  gate: Gate | undefined,
  s: CheckField,
  r: CheckField,
  path: readonly PathSegment[],
) {
  if (maybe(s) !== maybe(r)) {
    emit(w, gate, 'fieldConditionOneSided', path, {
      name: s.name,
      senderConditional: maybe(s),
      receiverConditional: maybe(r),
    });
  } else if (!s.conditional && !r.conditional && s.since !== r.since) {
    emit(w, gate, 'fieldSinceDiffers', path, { name: s.name, senderSince: s.since, receiverSince: r.since });
  }
}

function compareCounts(
  w: Walk,
  gate: Gate | undefined,
  s: CheckField,
  r: CheckField,
  path: readonly PathSegment[],
) {
  if (s.varray !== r.varray) {
    emit(w, gate, 'fieldCountKindDiffers', path, {
      name: s.name,
      senderVariable: s.varray,
      receiverVariable: r.varray,
    });
  } else if (s.count !== undefined && r.count !== undefined && s.count !== r.count) {
    emit(w, gate, 'fieldCountDiffers', path, { name: s.name, senderCount: s.count, receiverCount: r.count });
  }
}

/** Element size, then (same bytes) how they are read. */
function compareElements(
  w: Walk,
  gate: Gate | undefined,
  s: CheckField,
  r: CheckField,
  path: readonly PathSegment[],
) {
  if (s.unused && r.unused && s.size !== r.size) {
    emit(w, gate, 'paddingSizeDiffers', path, { senderBytes: s.size, receiverBytes: r.size });
  } else if (s.size !== r.size) {
    emit(w, gate, 'fieldSizeDiffers', path, { name: s.name, senderSize: s.size, receiverSize: r.size });
  } else if (
    (s.type !== undefined && r.type !== undefined && s.type !== r.type) ||
    s.vbuffer !== r.vbuffer ||
    s.pointer !== r.pointer ||
    s.unused !== r.unused
  ) {
    // Same bytes, read another way: corrupts only for the values the two types disagree on.
    emit(w, gate, 'fieldRetyped', path, {
      name: s.name,
      sender: describeKind(s),
      receiver: describeKind(r),
      wireChanges: s.vbuffer !== r.vbuffer || s.pointer !== r.pointer,
    });
  }
}

/** Compares two fields that occupy the same place (same name, or a structural rename). */
export function comparePair(
  w: Walk,
  gate: Gate | undefined,
  s: CheckField,
  r: CheckField,
  path: readonly PathSegment[],
): void {
  comparePresence(w, gate, s, r, path);
  if (!s.struct !== !r.struct) {
    emit(w, gate, 'fieldStructOneSided', path, {
      name: s.name,
      sender: describeField(s),
      receiver: describeField(r),
    });
    return;
  }
  compareCounts(w, gate, s, r, path);
  if (s.struct && r.struct) compareNested(w, within(gate, fieldGate(s)), s, r, path);
  else compareElements(w, gate, s, r, path);
}
