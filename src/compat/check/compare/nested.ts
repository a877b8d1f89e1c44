import type { PathSegment } from '../../../errors/index.js';
import { gatedOff } from '../machine-gates.js';
import type { CheckDescription, CheckField } from '../model.js';
import { nestedVersion, sameDescription } from '../shape.js';
import { compareBody } from './body.js';
import { howSent, sendGate } from './how-sent.js';
import { checkVersion } from './version.js';
import { emit, type Gate, type Walk, within } from './walk.js';

/** Two struct fields at the same place: their descriptions, compared at each side's own version. */
export function compareNested(
  w: Walk,
  gate: Gate | undefined,
  s: CheckField,
  r: CheckField,
  path: readonly PathSegment[],
): void {
  const sd = s.struct as CheckDescription;
  const rd = r.struct as CheckDescription;
  const vs = nestedVersion(s);
  const vr = nestedVersion(r);
  if (vs === vr && sameDescription(sd, rd)) return;
  const here = [...path, sd.name];
  if (sd.name !== rd.name) {
    emit(w, gate, 'nestedRenamed', here, { field: s.name, sender: sd.name, receiver: rd.name });
    orphanedSubsections(w, gate, sd, rd, here);
  }
  // QEMU's checker compares nested versions like section versions; the stream has none for them.
  if (s.loadVersion === undefined && r.loadVersion === undefined) {
    checkVersion(w, gate, here, `nested description "${sd.name}"`, vs, rd, false);
  }
  compareBody(w, gate, { sd, rd, vs, vr, recvVersion: rd.version }, here);
}

/**
 * QEMU's rule: a subsection's name starts with its parent description's name
 * (`vmstate_subsection_load` stops at the first one that does not, "(prefix)"). After a rename of
 * the parent, the sender's subsections stay in the stream where the receiver reads its next
 * fields: a break whenever one is sent.
 */
function orphanedSubsections(
  w: Walk,
  gate: Gate | undefined,
  sd: CheckDescription,
  rd: CheckDescription,
  path: readonly PathSegment[],
): void {
  for (const sub of sd.subsections) {
    if (sub.name.startsWith(rd.name)) continue;
    const how = howSent(`subsection "${sub.name}"`, sub, w.machine);
    emit(w, gate, 'subsectionOrphaned', [...path, sub.name], { name: sub.name, parent: rd.name, how });
  }
}

/** The sender's subsections against the receiver's, by name; then the ones it never sends. */
export function compareSubsections(
  w: Walk,
  gate: Gate | undefined,
  sd: CheckDescription,
  rd: CheckDescription,
  path: readonly PathSegment[],
): void {
  const recvByName = new Map(rd.subsections.map((s) => [s.name, s]));
  const sentNames = new Set<string>();
  for (const s of sd.subsections) {
    sentNames.add(s.name);
    const here = [...path, s.name];
    const what = `subsection "${s.name}"`;
    const r = recvByName.get(s.name);
    const off = r ? undefined : gatedOff(s.name, w.machine);
    if (off)
      emit(w, gate, 'subsectionGatedOff', here, { name: s.name, off, how: howSent(what, s, w.machine) });
    else if (!r) emit(w, gate, 'unknownSubsection', here, { name: s.name, how: howSent(what, s, w.machine) });
    else {
      const inner = within(gate, sendGate(what, s, w.machine));
      checkVersion(w, inner, here, `subsection "${s.name}"`, s.version, r, true);
      compareBody(w, inner, { sd: s, rd: r, vs: s.version, vr: s.version, recvVersion: r.version }, here);
    }
  }
  for (const r of rd.subsections) {
    if (sentNames.has(r.name)) continue;
    emit(w, gate, 'subsectionDefaulted', [...path, r.name], {
      name: r.name,
      fields: r.fields.map((f) => f.name),
    });
  }
}
