import type { PathSegment } from '../../errors/index.js';
import { alignFields, type Step } from './align.js';
import type { Direction, Finding, FindingCode, Severity } from './finding.js';
import { gatedOff } from './machine-gates.js';
import type { CheckDescription, CheckField, CheckSection, DescriptionSet, Sending } from './model.js';
import { fixedBytes, nestedVersion, onWire, sameDescription } from './shape.js';
import { framingOf } from './stream/framing.js';
import { suggest } from './suggestions.js';

/** A condition the findings below depend on: errors under it become warnings (or infos). */
interface Gate {
  readonly text: string;
  readonly cap: 'warning' | 'info';
}

/** One direction's walk: who sends, who receives, where findings go. */
interface Walk {
  readonly direction: Direction;
  /** "source" or "destination": the sender's role in this direction. */
  readonly send: string;
  /** The receiver's role. */
  readonly recv: string;
  /** The sender's machine type, when known. */
  readonly machine: string | undefined;
  readonly out: Finding[];
}

const LOWER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

function emit(
  w: Walk,
  gate: Gate | undefined,
  code: FindingCode,
  severity: Severity,
  path: readonly PathSegment[],
  message: string,
  suggestion: string,
  details?: Record<string, unknown>,
): void {
  let sev = severity;
  let text = message;
  if (gate && severity !== 'info') {
    if (LOWER[gate.cap] > LOWER[sev]) sev = gate.cap;
    text += ` (only when ${gate.text})`;
  }
  w.out.push({
    code,
    severity: sev,
    direction: w.direction,
    path: [...path],
    message: text,
    suggestion,
    ...(details === undefined ? {} : { details }),
  });
}

/** The tighter of two gates (a subsection inside a conditional subsection, …). */
function within(outer: Gate | undefined, inner: Gate | undefined): Gate | undefined {
  if (!outer) return inner;
  if (!inner) return outer;
  return {
    text: `${outer.text} and ${inner.text}`,
    cap: LOWER[inner.cap] > LOWER[outer.cap] ? inner.cap : outer.cap,
  };
}

/** A field on one side only, named by history: on the destination only = added, on the source only = removed. */
function onlyOn(side: string): 'field-added' | 'field-removed' {
  return side === 'destination' ? 'field-added' : 'field-removed';
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

/** How often a subsection (or section) is sent, and so how often an unknown one fails the load. */
interface HowSent {
  readonly severity: Severity;
  /** Completes "the load fails whenever it is sent: …". */
  readonly clause: string;
  /** Applies to findings inside it. */
  readonly gate: Gate | undefined;
  readonly details: Record<string, unknown>;
}

function quoted(xs: readonly string[]): string {
  return xs.map((x) => `"${x}"`).join(', ');
}

function neverText(machines: readonly string[]): string {
  if (machines.length === 0) return '';
  return machines.length === 1
    ? `; machine type ${machines[0]} never sends it`
    : `; machine types ${machines.join(', ')} never send it`;
}

function howSent(what: string, it: Sending, machine: string | undefined): HowSent {
  const deps = it.dependsOn;
  const byMachine = it.neededByMachine ?? {};
  const never = Object.keys(byMachine).filter((m) => byMachine[m] === false);
  const details = {
    sent: it.sent,
    ...(deps.length > 0 ? { dependsOn: [...deps] } : {}),
    ...(machine === undefined ? {} : { machine }),
    ...(it.neededUnderMachine === undefined ? {} : { neededUnderMachine: it.neededUnderMachine }),
    ...(never.length > 0 ? { neverSentUnder: never } : {}),
  };
  const under = machine === undefined ? '' : ` under machine type ${machine}`;
  if (it.neededUnderMachine === false) {
    return {
      severity: 'info',
      clause: `it is never sent${under} (its needed predicate is false there in every state), so this never fails there`,
      gate: { text: `${what} is sent, which it never is${under}`, cap: 'info' },
      details,
    };
  }
  if (it.sent === 'always') {
    return {
      severity: 'error',
      clause: 'it has no needed predicate and is sent every time: fails always',
      gate: undefined,
      details,
    };
  }
  if (it.neededUnderMachine === true) {
    return {
      severity: 'error',
      clause: `its needed predicate is true in every state${under}: fails always there${neverText(never)}`,
      gate: undefined,
      details,
    };
  }
  if (it.sent === 'when-needed') {
    const gate: Gate = { text: `${what} is sent`, cap: 'warning' };
    if (deps.length === 0) {
      return {
        severity: 'warning',
        clause:
          'its needed predicate depends on the state, not on the machine type: fails only in states that need it',
        gate,
        details,
      };
    }
    const safe = neverText(never);
    return {
      severity: 'warning',
      clause:
        `its needed predicate is tied to machine-type ${deps.length === 1 ? 'property' : 'properties'} ` +
        `${quoted(deps)}: fails only when ${deps.length === 1 ? 'that property lets' : 'those properties let'} ` +
        `it be sent and the state needs it${safe}`,
      gate,
      details,
    };
  }
  return {
    severity: 'error',
    clause: 'the input does not say when that is (QEMU dumps omit needed predicates), so count on it failing',
    gate: undefined,
    details,
  };
}

function checkVersion(
  w: Walk,
  gate: Gate | undefined,
  path: readonly PathSegment[],
  what: string,
  sent: number,
  recv: { version: number; minimumVersion: number },
  onTheWire: boolean,
): void {
  const severity: Severity = onTheWire ? 'error' : 'warning';
  const why = onTheWire
    ? 'the receiver refuses the load'
    : 'it is not on the wire (each side reads a nested description at its own version), but the ' +
      'field layouts were written for different versions';
  if (sent > recv.version) {
    emit(
      w,
      gate,
      'version-too-new',
      severity,
      path,
      `${what} is at version ${sent} on the ${w.send}, above the ${w.recv}'s ${recv.version}: ${why}`,
      onTheWire ? suggest.versionTooNew(sent, recv.version) : suggest.nestedVersion(),
      { sent, version: recv.version, onWire: onTheWire },
    );
  }
  if (sent < recv.minimumVersion) {
    emit(
      w,
      gate,
      'version-too-old',
      severity,
      path,
      `${what} is at version ${sent} on the ${w.send}, below the ${w.recv}'s minimum ${recv.minimumVersion}: ${why}`,
      onTheWire ? suggest.versionTooOld(sent, recv.minimumVersion) : suggest.nestedVersion(),
      { sent, minimumVersion: recv.minimumVersion, onWire: onTheWire },
    );
  }
}

function describeField(f: CheckField): string {
  if (f.struct) return `struct ${f.struct.name}`;
  const type = f.type ?? `${f.size}-byte element`;
  if (f.varray) return `${type}[variable]`;
  return f.count === undefined ? type : `${type}[${f.count}]`;
}

/** Compares two fields that occupy the same place (same name, or a structural rename). */
function comparePair(
  w: Walk,
  gate: Gate | undefined,
  s: CheckField,
  r: CheckField,
  path: readonly PathSegment[],
): void {
  const name = s.name;
  if (maybe(s) !== maybe(r)) {
    const has = maybe(s) ? w.send : w.recv;
    emit(
      w,
      gate,
      'field-condition-changed',
      'warning',
      path,
      `"${name}" has an existsIf predicate on the ${has} only: the sides disagree whether it is on the ` +
        'wire whenever the predicate is false',
      suggest.fieldConditionChanged(),
      { senderConditional: maybe(s), receiverConditional: maybe(r) },
    );
  } else if (!s.conditional && !r.conditional && s.since !== r.since) {
    emit(
      w,
      gate,
      'field-version-changed',
      'info',
      path,
      `"${name}" exists since version ${s.since} on the ${w.send} and ${r.since} on the ${w.recv}; both ` +
        'put it on the wire at this version',
      suggest.fieldVersionInfo(),
      { senderSince: s.since, receiverSince: r.since },
    );
  }
  if (!s.struct !== !r.struct) {
    emit(
      w,
      gate,
      'field-retyped',
      'error',
      path,
      `"${name}" is a ${describeField(s)} on the ${w.send} and a ${describeField(r)} on the ${w.recv}`,
      suggest.fieldRetyped(name),
      { sender: describeField(s), receiver: describeField(r) },
    );
    return;
  }
  if (s.varray !== r.varray) {
    emit(
      w,
      gate,
      'field-resized',
      'warning',
      path,
      `"${name}" has a ${s.varray ? 'variable' : 'fixed'} count on the ${w.send} and a ` +
        `${r.varray ? 'variable' : 'fixed'} one on the ${w.recv}: they agree only while the counts happen to match`,
      suggest.fieldResized(name),
      { senderVariable: s.varray, receiverVariable: r.varray },
    );
  } else if (s.count !== undefined && r.count !== undefined && s.count !== r.count) {
    emit(
      w,
      gate,
      'field-resized',
      'error',
      path,
      `"${name}" has ${s.count} elements on the ${w.send} and ${r.count} on the ${w.recv}`,
      suggest.fieldResized(name),
      { senderCount: s.count, receiverCount: r.count },
    );
  }
  if (s.struct && r.struct) {
    compareNested(w, within(gate, fieldGate(s)), s, r, path);
    return;
  }
  if (s.unused && r.unused && s.size !== r.size) {
    emit(
      w,
      gate,
      'unused-size-changed',
      'error',
      path,
      `padding no longer covers the same bytes: ${s.size} on the ${w.send}, ${r.size} on the ${w.recv}`,
      suggest.unusedSizeChanged(),
      { senderBytes: s.size, receiverBytes: r.size },
    );
  } else if (s.size !== r.size) {
    emit(
      w,
      gate,
      'field-resized',
      'error',
      path,
      `"${name}" has ${s.size}-byte elements on the ${w.send} and ${r.size}-byte ones on the ${w.recv}`,
      suggest.fieldResized(name),
      { senderSize: s.size, receiverSize: r.size },
    );
  } else if (
    (s.type !== undefined && r.type !== undefined && s.type !== r.type) ||
    s.vbuffer !== r.vbuffer ||
    s.pointer !== r.pointer ||
    s.unused !== r.unused
  ) {
    // Same bytes, read another way: corrupts only for the values the two types disagree on.
    const wireChanges = s.vbuffer !== r.vbuffer || s.pointer !== r.pointer;
    emit(
      w,
      gate,
      'field-retyped',
      wireChanges ? 'error' : 'warning',
      path,
      `"${name}" is ${describeKind(s)} on the ${w.send} and ${describeKind(r)} on the ${w.recv}`,
      suggest.fieldRetyped(name),
      { sender: describeKind(s), receiver: describeKind(r) },
    );
  }
}

function describeKind(f: CheckField): string {
  const parts = [f.unused ? 'padding' : (f.type ?? `${f.size}-byte`)];
  if (f.vbuffer) parts.push('(variable size)');
  if (f.pointer) parts.push('(pointer slot)');
  return parts.join(' ');
}

/** Its existsIf predicate may go either way (not decided by the machine type alone). */
function maybe(f: CheckField): boolean {
  return f.conditional && f.existsUnderMachine === undefined;
}

function fieldGate(f: CheckField): Gate | undefined {
  return maybe(f) ? { text: `field "${f.name}" exists`, cap: 'warning' } : undefined;
}

function compareNested(
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
    emit(
      w,
      gate,
      'description-renamed',
      'info',
      here,
      `the nested description of "${s.name}" is "${sd.name}" on the ${w.send} and "${rd.name}" on the ${w.recv}`,
      suggest.nestedRenamed(),
      { sender: sd.name, receiver: rd.name },
    );
    orphanedSubsections(w, gate, sd, rd, here);
  }
  // QEMU's checker compares nested versions like section versions; the stream has none for them.
  if (s.loadVersion === undefined && r.loadVersion === undefined) {
    checkVersion(w, gate, here, `nested description "${sd.name}"`, vs, rd, false);
  }
  compareBody(w, gate, sd, rd, vs, vr, rd.version, here);
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
    emit(
      w,
      gate,
      'unknown-subsection',
      how.severity,
      [...path, sub.name],
      `subsection "${sub.name}" does not start with the ${w.recv}'s description name "${rd.name}": the ${w.recv} ` +
        `stops reading subsections there and reads its bytes as whatever follows, so the load breaks whenever it is sent: ${how.clause}`,
      suggest.unknownSubsection(sub.name),
      { ...how.details, parent: rd.name },
    );
  }
}

/**
 * Padding covered by fields whose last one has no recorded count (QEMU before 8.1 omits `num`):
 * its count is what fills the padding's bytes, taken from the other side. Says so.
 */
function inferredCount(
  w: Walk,
  gate: Gate | undefined,
  pad: CheckField,
  run: readonly CheckField[],
  path: readonly PathSegment[],
): void {
  const last = run[run.length - 1];
  const padBytes = fixedBytes(pad);
  if (!last || last.count !== undefined || padBytes === undefined || last.size === 0) return;
  const before = sumBytes(run.slice(0, -1)) ?? 0;
  const count = (padBytes - before) / last.size;
  if (count === 1) return;
  emit(
    w,
    gate,
    'count-from-sender',
    'info',
    [...path, last.name],
    `"${last.name}" has no element count in its dump (QEMU before 8.1 omits num); the other side's padding of ` +
      `${padBytes} bytes at the same place makes it ${count} elements`,
    suggest.fieldsRegrouped(),
    { field: last.name, count },
  );
}

/** Groups of adjacent unmatched steps: padding inside one is reported once for the group. */
function unmatchedRuns(steps: readonly Step[]): Step[][] {
  const runs: Step[][] = [];
  let current: Step[] = [];
  for (const st of steps) {
    if (st.kind === 'sender-only' || st.kind === 'receiver-only') current.push(st);
    else if (current.length > 0) {
      runs.push(current);
      current = [];
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

function sumBytes(fields: readonly CheckField[]): number | undefined {
  let total = 0;
  for (const f of fields) {
    const n = fixedBytes(f);
    if (n === undefined) return undefined;
    total += n;
  }
  return total;
}

function names(fields: readonly CheckField[]): string {
  return fields.map((f) => `"${f.name}"`).join(', ');
}

/**
 * Compares one description's field list and subsections. `vs`/`vr` are the versions each side
 * decides `since` with (the stream version for sections and subsections; each side's own for
 * nested structs); `recvVersion` is the receiver description's own version.
 */
function compareBody(
  w: Walk,
  gate: Gate | undefined,
  sd: CheckDescription,
  rd: CheckDescription,
  vs: number,
  vr: number,
  recvVersion: number,
  path: readonly PathSegment[],
): void {
  if (vs === vr && sameDescription(sd, rd)) return;
  const sFields = sd.fields.filter((f) => onWire(f, vs));
  const rFields = rd.fields.filter((f) => onWire(f, vr));
  const steps = alignFields(sFields, rFields);
  const sentOnly = new Set<string>();
  const readOnly = new Set<string>();
  for (const st of steps) {
    if (st.kind === 'sender-only') sentOnly.add(st.s.name);
    if (st.kind === 'receiver-only') readOnly.add(st.r.name);
  }
  const moved = new Set([...sentOnly].filter((n) => readOnly.has(n)));
  const offWire = (d: CheckDescription, v: number, name: string) =>
    d.fields.find((f) => f.name === name && !onWire(f, v));

  for (const st of steps) {
    switch (st.kind) {
      case 'match':
        comparePair(w, gate, st.s, st.r, [...path, st.s.name]);
        break;
      case 'rename': {
        const [source, destination] = w.direction === 'forward' ? [st.s, st.r] : [st.r, st.s];
        emit(
          w,
          gate,
          'field-renamed',
          'info',
          [...path, source.name],
          `"${st.s.name}" on the ${w.send} is "${st.r.name}" on the ${w.recv}: same type and size at the same ` +
            'place, so the wire is unchanged',
          suggest.fieldRenamed(),
          { source: source.name, destination: destination.name },
        );
        comparePair(w, gate, st.s, st.r, [...path, source.name]);
        break;
      }
      case 'cover':
        inferredCount(w, gate, st.pad, st.run, path);
        if (st.padOn === 'sender') {
          emit(
            w,
            gate,
            'unused-reused',
            'info',
            [...path, st.run[0]?.name ?? st.pad.name],
            `${fixedBytes(st.pad)} bytes of padding on the ${w.send} are ${names(st.run)} on the ${w.recv}: ` +
              `the ${w.recv} loads zeros into ${plural(st.run.length, 'it', 'them')}`,
            suggest.unusedCovered(),
            { padding: fixedBytes(st.pad), fields: st.run.map((f) => f.name) },
          );
        } else {
          emit(
            w,
            gate,
            'unused-reused',
            'warning',
            [...path, st.run[0]?.name ?? st.pad.name],
            `${names(st.run)} on the ${w.send} ${plural(st.run.length, 'is', 'are')} ${fixedBytes(st.pad)} bytes ` +
              `of padding on the ${w.recv}: their values are dropped (lost unless zero)`,
            suggest.unusedDropped(),
            { padding: fixedBytes(st.pad), fields: st.run.map((f) => f.name) },
          );
        }
        break;
      case 'regroup': {
        const inside = st.structOn === 'sender' ? w.send : w.recv;
        const caveat =
          st.struct.count === undefined ? ' (assuming one element: the input does not record counts)' : '';
        emit(
          w,
          gate,
          'fields-regrouped',
          'info',
          [...path, st.struct.name],
          `${names(st.run)} ${plural(st.run.length, 'is', 'are')} inside struct "${st.struct.name}" on the ` +
            `${inside} only; the bytes are the same${caveat}`,
          suggest.fieldsRegrouped(),
          { struct: st.struct.name, structOn: st.structOn, fields: st.run.map((f) => f.name) },
        );
        break;
      }
      case 'sender-only': {
        const s = st.s;
        if (s.unused) break; // reported with its run below
        const here = [...path, s.name];
        const hidden = offWire(rd, vr, s.name);
        if (moved.has(s.name)) {
          emit(
            w,
            gate,
            'field-reordered',
            'error',
            here,
            `"${s.name}" is at another place in the ${w.recv}'s field list: the ${w.recv} reads other fields' bytes into it`,
            suggest.fieldReordered(),
          );
        } else if (hidden) {
          const why = hidden.conditional
            ? `the ${w.recv}'s existsIf predicate leaves it out${w.machine ? ` under machine type ${w.machine}` : ''}`
            : `the ${w.recv} reads it only from version ${hidden.since}`;
          emit(
            w,
            gate,
            hidden.conditional ? 'field-condition-changed' : 'field-version-changed',
            'error',
            here,
            `the ${w.send} writes "${s.name}" at version ${vs} but ${why}: the rest of the description is misread`,
            hidden.conditional ? suggest.fieldConditionChanged() : suggest.fieldVersionChanged(),
            { senderSince: s.since, receiverSince: hidden.since },
          );
        } else if (!s.conditional && s.since > recvVersion) {
          emit(
            w,
            gate,
            'field-since-too-new',
            'error',
            here,
            `"${s.name}" exists since version ${s.since}, above the ${w.recv}'s version ${recvVersion}: ` +
              `the ${w.recv} does not know it`,
            suggest.fieldSinceTooNew(s.name),
            { since: s.since, version: recvVersion },
          );
        } else {
          // A receiver field read only under an existsIf predicate, of these very bytes:
          // the receiver may read this field's bytes in its place (esp 10.0 → 7.2: 7.2's ti_cmd
          // takes 10.0's lun, its lun 10.0's drq_state; the load completes). The stream decides.
          const bytes = fixedBytes(s);
          const absorbedBy = steps
            .map((x) =>
              // A conditional field under another name on each side (esp: mig_ti_cmd / ti_cmd):
              // the two predicates need not agree, so the receiver may read it where the sender did not.
              x.kind === 'rename' && maybe(x.s) && maybe(x.r)
                ? x.r
                : x.kind === 'receiver-only'
                  ? x.r
                  : undefined,
            )
            .find(
              (r) =>
                r !== undefined &&
                maybe(r) &&
                bytes !== undefined &&
                fixedBytes({ ...r, conditional: false }) === bytes,
            );
          emit(
            w,
            gate,
            onlyOn(w.send),
            maybe(s) || absorbedBy ? 'warning' : 'error',
            here,
            `"${s.name}" (${describeField(s)}) is only on the ${w.send}: the ${w.send} writes it and the ${w.recv} ` +
              `does not read it, so everything after it is misread${maybe(s) ? ' whenever its existsIf predicate holds' : ''}` +
              (absorbedBy
                ? ` unless the ${w.recv}'s existsIf predicates read "${absorbedBy.name}" (same size) where the ${w.send}'s leave it out: then its bytes land in other fields and the load completes (check a real stream with check STREAM DEST)`
                : ''),
            onlyOn(w.send) === 'field-added'
              ? suggest.fieldAdded(s.name, sd.version)
              : suggest.fieldRemoved(s.name),
            { field: describeField(s), since: s.since, conditional: s.conditional },
          );
        }
        break;
      }
      case 'receiver-only': {
        const r = st.r;
        if (r.unused || moved.has(r.name)) break;
        const here = [...path, r.name];
        const hidden = offWire(sd, vs, r.name);
        if (hidden) {
          const why = hidden.conditional
            ? `the ${w.send}'s existsIf predicate leaves it out${w.machine ? ` under machine type ${w.machine}` : ''}`
            : `the ${w.send} writes it only from version ${hidden.since}`;
          emit(
            w,
            gate,
            hidden.conditional ? 'field-condition-changed' : 'field-version-changed',
            'error',
            here,
            `the ${w.recv} reads "${r.name}" at version ${vr} but ${why}: the rest of the description is misread`,
            hidden.conditional ? suggest.fieldConditionChanged() : suggest.fieldVersionChanged(),
            { senderSince: hidden.since, receiverSince: r.since },
          );
        } else {
          emit(
            w,
            gate,
            onlyOn(w.recv),
            maybe(r) ? 'warning' : 'error',
            here,
            `"${r.name}" (${describeField(r)}) is only on the ${w.recv}: the ${w.recv} reads it and the ${w.send} ` +
              `does not write it, so it takes the bytes of whatever follows${maybe(r) ? ' whenever its existsIf predicate holds' : ''}`,
            onlyOn(w.recv) === 'field-added'
              ? suggest.fieldAdded(r.name, rd.version)
              : suggest.fieldRemoved(r.name),
            { field: describeField(r), since: r.since, conditional: r.conditional },
          );
        }
        break;
      }
    }
  }

  for (const run of unmatchedRuns(steps)) {
    const sent = run.flatMap((st) => (st.kind === 'sender-only' ? [st.s] : []));
    const read = run.flatMap((st) => (st.kind === 'receiver-only' ? [st.r] : []));
    const pad = [...sent, ...read].find((f) => f.unused);
    if (!pad) continue;
    const sentBytes = sumBytes(sent);
    const readBytes = sumBytes(read);
    // Only conditional fields in the run: the layouts part only when their predicates hold.
    const conditionalOnly = [...sent, ...read].every(maybe);
    emit(
      w,
      gate,
      'unused-size-changed',
      conditionalOnly ? 'warning' : 'error',
      [...path, pad.name],
      `padding no longer covers the same bytes: here the ${w.send} writes ${sentBytes ?? 'a variable number of'} ` +
        `bytes (${names(sent) || 'nothing'}) and the ${w.recv} reads ${readBytes ?? 'a variable number of'} ` +
        `(${names(read) || 'nothing'})`,
      suggest.unusedSizeChanged(),
      { senderBytes: sentBytes, receiverBytes: readBytes },
    );
  }

  // Fields the receiver has but the stream's version does not carry: it keeps its own value.
  const written = new Set(sFields.map((f) => f.name));
  for (const r of rd.fields) {
    if (r.conditional || r.unused || onWire(r, vr) || written.has(r.name)) continue;
    emit(
      w,
      gate,
      'field-defaulted',
      'info',
      [...path, r.name],
      `"${r.name}" exists on the ${w.recv} since version ${r.since}; a version-${vr} stream does not carry it, ` +
        `so the ${w.recv} keeps its own value`,
      suggest.fieldDefaulted(r.name),
      { since: r.since, version: vr },
    );
  }

  compareSubsections(w, gate, sd, rd, path);
}

function compareSubsections(
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
    const how = howSent(`subsection "${s.name}"`, s, w.machine);
    const r = recvByName.get(s.name);
    const off = r ? undefined : gatedOff(s.name, w.machine);
    if (off) {
      emit(
        w,
        gate,
        'unknown-subsection',
        'info',
        here,
        `the ${w.recv} does not know subsection "${s.name}", but ${off}: this never fails there`,
        suggest.unknownSubsection(s.name),
        { ...how.details, neededUnderMachine: false },
      );
      continue;
    }
    if (!r) {
      emit(
        w,
        gate,
        'unknown-subsection',
        how.severity,
        here,
        `the ${w.recv} does not know subsection "${s.name}", so the load fails whenever it is sent: ${how.clause}`,
        suggest.unknownSubsection(s.name),
        how.details,
      );
      continue;
    }
    const inner = within(gate, how.gate);
    checkVersion(w, inner, here, `subsection "${s.name}"`, s.version, r, true);
    compareBody(w, inner, s, r, s.version, s.version, r.version, here);
  }
  for (const r of rd.subsections) {
    if (sentNames.has(r.name)) continue;
    emit(
      w,
      gate,
      'subsection-defaulted',
      'info',
      [...path, r.name],
      `the ${w.send} never sends subsection "${r.name}", which the ${w.recv} knows: the ${w.recv} keeps its ` +
        `own value for ${names(r.fields) || 'its state'}`,
      suggest.subsectionDefaulted(r.name),
      { fields: r.fields.map((f) => f.name) },
    );
  }
}

function compareSection(w: Walk, s: CheckSection, r: CheckSection, path: readonly PathSegment[]): void {
  const sd = s.description;
  const rd = r.description;
  const gate = howSent(`section "${s.key}"`, s, w.machine).gate;
  checkVersion(w, gate, path, `section "${s.key}"`, s.version, r, true);
  // QEMU dumps repeat the versions on the entry and its description; they are the same vmsd, so the
  // description is checked on its own only when the two disagree (hand-made dumps).
  const same = sd.version === s.version && rd.version === r.version && rd.minimumVersion === r.minimumVersion;
  if (!same) checkVersion(w, gate, [...path, sd.name], `description "${sd.name}"`, sd.version, rd, true);
  if (sd.name !== rd.name) {
    // QEMU builds a section's stream id from the description's name; ours carry the id as the key.
    const inId = !s.keyOnWire || !r.keyOnWire;
    emit(
      w,
      gate,
      'description-renamed',
      inId ? 'error' : 'info',
      [...path, sd.name],
      `section "${s.key}" is described by "${sd.name}" on the ${w.send} and "${rd.name}" on the ${w.recv}: ` +
        (inId
          ? "the name is part of the section's id in the stream and prefixes its subsections"
          : 'the section id is unchanged; the name still prefixes its subsections'),
      inId ? suggest.descriptionRenamed() : suggest.nestedRenamed(),
      { sender: sd.name, receiver: rd.name },
    );
  }
  compareBody(w, gate, sd, rd, sd.version, sd.version, rd.version, [...path, sd.name]);
}

/**
 * QEMU dump sections missing by key, paired with a receiver section of the same description name:
 * the stream's section id is built from that name, never from the device type, so a renamed or
 * other device type with that description receives it. An identical description is preferred.
 */
function renamedSections(send: DescriptionSet, recv: DescriptionSet): Map<string, CheckSection> {
  const byName = new Map<string, CheckSection[]>();
  for (const sec of recv.sections.values()) {
    if (sec.keyOnWire) continue; // our keys are stream ids: they cannot change unnoticed
    const list = byName.get(sec.description.name) ?? [];
    list.push(sec);
    byName.set(sec.description.name, list);
  }
  const out = new Map<string, CheckSection>();
  for (const sec of send.sections.values()) {
    if (recv.sections.has(sec.key) || sec.keyOnWire) continue;
    const candidates = byName.get(sec.description.name);
    if (!candidates) continue;
    const same = candidates.find(
      (c) => c.version === sec.version && sameDescription(c.description, sec.description),
    );
    out.set(sec.key, same ?? (candidates[0] as CheckSection));
  }
  return out;
}

/**
 * Two machine types, the way QEMU's loader treats them: from 2.4 on the stream starts with a
 * configuration section naming the sender's machine type and the receiver refuses any other
 * (`configuration_post_load`); types up to 2.3 send none and expect none (`hw_compat_2_3`).
 */
function machineTypes(w: Walk, sender: string, receiver: string): void {
  const s = framingOf(sender);
  const r = framingOf(receiver);
  const details = { sender, receiver };
  let message: string;
  if (s.configuration && r.configuration) {
    message = `QEMU refuses the load: "Machine type received is '${sender}' and local is '${receiver}'"`;
  } else if (s.configuration) {
    message =
      `the ${w.send}'s machine type ${sender} sends a configuration section and the ${w.recv}'s ${receiver} ` +
      'expects none (2.3 and older): QEMU refuses the load with "Unknown savevm section type 7"';
  } else if (r.configuration) {
    message =
      `the ${w.send}'s machine type ${sender} sends no configuration section and the ${w.recv}'s ${receiver} ` +
      'requires one: QEMU refuses the load with "Configuration section missing"';
  } else {
    emit(
      w,
      undefined,
      'machine-type-differs',
      'info',
      ['vmschkmachine'],
      `the ${w.send} describes machine type ${sender} and the ${w.recv} ${receiver}; both are 2.3 or older, ` +
        'whose streams carry no configuration section, so QEMU does not compare them: the descriptions decide',
      suggest.machineTypeDiffers(),
      details,
    );
    return;
  }
  emit(
    w,
    undefined,
    'machine-type-differs',
    'error',
    ['vmschkmachine'],
    message,
    suggest.machineTypeDiffers(),
    details,
  );
}

/** All findings of one direction: `send` writes the stream, `recv` loads it. */
export function compareSets(send: DescriptionSet, recv: DescriptionSet, direction: Direction): Finding[] {
  const w: Walk = {
    direction,
    send: direction === 'forward' ? 'source' : 'destination',
    recv: direction === 'forward' ? 'destination' : 'source',
    machine: send.machine,
    out: [],
  };
  if (send.machine !== undefined && recv.machine !== undefined && send.machine !== recv.machine) {
    if (send.origin === 'qemu-dump' && recv.origin === 'qemu-dump')
      machineTypes(w, send.machine, recv.machine);
    else {
      // Our machine registries model compat properties within one program: the stream carries
      // what the descriptions decide under each machine type, checked below.
      emit(
        w,
        undefined,
        'machine-type-differs',
        'info',
        ['vmschkmachine'],
        `the ${w.send} describes machine type ${send.machine} and the ${w.recv} ${recv.machine}`,
        suggest.machineTypeDiffers(),
        { sender: send.machine, receiver: recv.machine },
      );
    }
  }
  const renamed = renamedSections(send, recv);
  for (const s of send.sections.values()) {
    const r = recv.sections.get(s.key);
    if (r) {
      compareSection(w, s, r, [s.key]);
      continue;
    }
    const other = renamed.get(s.key);
    if (other) {
      emit(
        w,
        undefined,
        'section-renamed',
        'info',
        [s.key],
        `section "${s.key}" is "${other.key}" on the ${w.recv}: same description "${s.description.name}"`,
        suggest.sectionRenamed(),
        { sender: s.key, receiver: other.key },
      );
      compareSection(w, s, other, [s.key]);
      continue;
    }
    const how = howSent(`section "${s.key}"`, s, w.machine);
    if (!s.keyOnWire && recv.origin === 'qemu-dump') {
      // A QEMU dump lists device classes that carry a vmsd; QEMU also registers state outside them
      // (7.2's dump has no "ide", yet 7.2 loads 10.0's piix3-ide section). Absent from the dump is
      // not proof of a refusal: either the receiver cannot have such a device (the VM cannot even
      // be started there) or it registers the state otherwise. `check STREAM DEST` decides.
      emit(
        w,
        undefined,
        'unknown-section',
        'warning',
        [s.key],
        `the ${w.recv}'s dump has no description "${s.description.name}" (device type "${s.key}"): the ` +
          `${w.recv} either cannot have such a device, or registers its state outside a device class ` +
          '(a dump cannot tell); a stream with this section loads only in the second case',
        suggest.unknownSection(s.key),
        how.details,
      );
      continue;
    }
    emit(
      w,
      undefined,
      'unknown-section',
      how.severity,
      [s.key],
      `the ${w.recv} has no section "${s.key}", so the load fails whenever it is sent: ${how.clause}`,
      suggest.unknownSection(s.key),
      how.details,
    );
  }
  return w.out;
}
