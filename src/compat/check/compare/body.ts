import type { PathSegment } from '../../../errors/index.js';
import { alignFields, type Step } from '../align.js';
import type { CheckDescription, CheckField } from '../model.js';
import { fixedBytes, onWire, sameDescription } from '../shape.js';
import { comparePair, describeField, maybe } from './field.js';
import { compareSubsections } from './nested.js';
import { emit, type Gate, type Walk } from './walk.js';

/**
 * Two descriptions at one place. `vs`/`vr` are the versions each side decides `since` with (the
 * stream version for sections and subsections; each side's own for nested structs); `recvVersion`
 * is the receiver description's own version.
 */
export interface Pair {
  readonly sd: CheckDescription;
  readonly rd: CheckDescription;
  readonly vs: number;
  readonly vr: number;
  readonly recvVersion: number;
}

/** What one field-list comparison shares between its steps. */
interface Body {
  readonly w: Walk;
  readonly gate: Gate | undefined;
  readonly pair: Pair;
  readonly path: readonly PathSegment[];
  readonly steps: readonly Step[];
  /** Names on each side's unmatched list: the field moved. */
  readonly moved: ReadonlySet<string>;
}

/** Compares one description's field list and subsections. */
export function compareBody(w: Walk, gate: Gate | undefined, pair: Pair, path: readonly PathSegment[]): void {
  const { sd, rd, vs, vr } = pair;
  if (vs === vr && sameDescription(sd, rd)) return;
  const sFields = sd.fields.filter((f) => onWire(f, vs));
  const steps = alignFields(
    sFields,
    rd.fields.filter((f) => onWire(f, vr)),
  );
  const b: Body = { w, gate, pair, path, steps, moved: movedFields(steps) };
  for (const st of steps) compareStep(b, st);
  for (const run of unmatchedRuns(steps)) paddingRun(b, run);
  fieldsDefaulted(b, new Set(sFields.map((f) => f.name)));
  compareSubsections(w, gate, sd, rd, path);
}

function movedFields(steps: readonly Step[]): Set<string> {
  const sentOnly = new Set<string>();
  const readOnly = new Set<string>();
  for (const st of steps) {
    if (st.kind === 'sender-only') sentOnly.add(st.s.name);
    if (st.kind === 'receiver-only') readOnly.add(st.r.name);
  }
  return new Set([...sentOnly].filter((n) => readOnly.has(n)));
}

function compareStep(b: Body, st: Step): void {
  const { w, gate, path } = b;
  switch (st.kind) {
    case 'match':
      comparePair(w, gate, st.s, st.r, [...path, st.s.name]);
      break;
    case 'rename': {
      const [source, destination] = w.direction === 'forward' ? [st.s, st.r] : [st.r, st.s];
      emit(w, gate, 'fieldRenamed', [...path, source.name], {
        senderName: st.s.name,
        receiverName: st.r.name,
        source: source.name,
        destination: destination.name,
      });
      comparePair(w, gate, st.s, st.r, [...path, source.name]);
      break;
    }
    case 'cover': {
      inferredCount(b, st.pad, st.run);
      const facts = { padding: fixedBytes(st.pad), fields: st.run.map((f) => f.name) };
      const where = [...path, st.run[0]?.name ?? st.pad.name];
      emit(w, gate, st.padOn === 'sender' ? 'paddingCovered' : 'paddingDrops', where, facts);
      break;
    }
    case 'regroup':
      emit(w, gate, 'fieldsRegrouped', [...path, st.struct.name], {
        struct: st.struct.name,
        structOn: st.structOn,
        fields: st.run.map((f) => f.name),
        countUnknown: st.struct.count === undefined,
      });
      break;
    case 'sender-only':
      if (!st.s.unused) senderOnly(b, st.s); // padding: reported with its run
      break;
    case 'receiver-only':
      if (!st.r.unused && !b.moved.has(st.r.name)) receiverOnly(b, st.r);
      break;
  }
}

/** The field of that name a side has but leaves off the wire at version `v`. */
function offWire(d: CheckDescription, v: number, name: string): CheckField | undefined {
  return d.fields.find((f) => f.name === name && !onWire(f, v));
}

function senderOnly(b: Body, s: CheckField): void {
  const { w, gate, pair } = b;
  const here = [...b.path, s.name];
  const hidden = offWire(pair.rd, pair.vr, s.name);
  if (b.moved.has(s.name)) emit(w, gate, 'fieldReordered', here, { name: s.name });
  else if (hidden) {
    emit(w, gate, hidden.conditional ? 'fieldSkippedByCondition' : 'fieldSkippedBySince', here, {
      name: s.name,
      version: pair.vs,
      skippedBy: 'receiver',
      senderSince: s.since,
      receiverSince: hidden.since,
    });
  } else if (!s.conditional && s.since > pair.recvVersion) {
    emit(w, gate, 'fieldSinceTooNew', here, { name: s.name, since: s.since, version: pair.recvVersion });
  } else {
    const absorbedBy = absorber(b.steps, s);
    emit(w, gate, w.send === 'destination' ? 'fieldAddedSent' : 'fieldRemovedSent', here, {
      name: s.name,
      field: describeField(s),
      since: s.since,
      conditional: s.conditional,
      maybe: maybe(s),
      ...(absorbedBy ? { absorbedBy: absorbedBy.name } : {}),
      version: pair.sd.version,
    });
  }
}

/**
 * A receiver field read only under an existsIf predicate, of these very bytes: the receiver may
 * read this field's bytes in its place (esp 10.0 → 7.2: 7.2's ti_cmd takes 10.0's lun, its lun
 * 10.0's drq_state; the load completes). The stream decides.
 */
function absorber(steps: readonly Step[], s: CheckField): CheckField | undefined {
  const bytes = fixedBytes(s);
  return steps
    .map((x) =>
      // A conditional field under another name on each side (esp: mig_ti_cmd / ti_cmd):
      // the two predicates need not agree, so the receiver may read it where the sender did not.
      x.kind === 'rename' && maybe(x.s) && maybe(x.r) ? x.r : x.kind === 'receiver-only' ? x.r : undefined,
    )
    .find(
      (r) =>
        r !== undefined &&
        maybe(r) &&
        bytes !== undefined &&
        fixedBytes({ ...r, conditional: false }) === bytes,
    );
}

function receiverOnly(b: Body, r: CheckField): void {
  const { w, gate, pair } = b;
  const here = [...b.path, r.name];
  const hidden = offWire(pair.sd, pair.vs, r.name);
  if (hidden) {
    emit(w, gate, hidden.conditional ? 'fieldSkippedByCondition' : 'fieldSkippedBySince', here, {
      name: r.name,
      version: pair.vr,
      skippedBy: 'sender',
      senderSince: hidden.since,
      receiverSince: r.since,
    });
  } else {
    emit(w, gate, w.recv === 'destination' ? 'fieldAddedRead' : 'fieldRemovedRead', here, {
      name: r.name,
      field: describeField(r),
      since: r.since,
      conditional: r.conditional,
      maybe: maybe(r),
      version: pair.rd.version,
    });
  }
}

/**
 * Padding covered by fields whose last one has no recorded count (QEMU before 8.1 omits `num`):
 * its count is what fills the padding's bytes, taken from the other side. Says so.
 */
function inferredCount(b: Body, pad: CheckField, run: readonly CheckField[]): void {
  const last = run[run.length - 1];
  const padBytes = fixedBytes(pad);
  if (!last || last.count !== undefined || padBytes === undefined || last.size === 0) return;
  const before = sumBytes(run.slice(0, -1)) ?? 0;
  const count = (padBytes - before) / last.size;
  if (count === 1) return;
  emit(b.w, b.gate, 'countFromSender', [...b.path, last.name], {
    field: last.name,
    count,
    padding: padBytes,
  });
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

/** A run of unmatched fields with padding in it: the padding no longer covers the same bytes. */
function paddingRun(b: Body, run: readonly Step[]): void {
  const sent = run.flatMap((st) => (st.kind === 'sender-only' ? [st.s] : []));
  const read = run.flatMap((st) => (st.kind === 'receiver-only' ? [st.r] : []));
  const pad = [...sent, ...read].find((f) => f.unused);
  if (!pad) return;
  emit(b.w, b.gate, 'paddingRunChanged', [...b.path, pad.name], {
    senderBytes: sumBytes(sent),
    receiverBytes: sumBytes(read),
    sent: sent.map((f) => f.name),
    read: read.map((f) => f.name),
    conditionalOnly: [...sent, ...read].every(maybe),
  });
}

/** Fields the receiver has but the stream's version does not carry: it keeps its own value. */
function fieldsDefaulted(b: Body, written: ReadonlySet<string>): void {
  const { rd, vr } = b.pair;
  for (const r of rd.fields) {
    if (r.conditional || r.unused || onWire(r, vr) || written.has(r.name)) continue;
    emit(b.w, b.gate, 'fieldDefaulted', [...b.path, r.name], { name: r.name, since: r.since, version: vr });
  }
}
