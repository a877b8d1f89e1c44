import type { Field, MigrationContext, Subsection, Vmsd } from '../describe/index.js';
import { asMigrationError, fail, MigrationError } from '../errors/index.js';
import { latin1, type Reader, type Writer } from '../wire/index.js';
import { compileFieldLoops, type ReadFields, type WriteFields } from './compiled.js';
import { type ElementCodec, elementCodec, type StructOps, sizeFrom } from './elements.js';
import { isJitless } from './jit.js';
import { fieldExists, subsectionNeeded } from './presence.js';
import { SUBSECTION_MARKER, subsectionHeader } from './subsection-header.js';
import { readsCurrent, targets } from './targets.js';
import { nodesOf, rememberNodes, type VmdescBody, type VmdescField } from './vmdesc-json.js';

type Obj = Record<string, unknown>;

export { SUBSECTION_MARKER };

interface FieldPlan {
  readonly field: Field;
  /** The name shown in vmdesc and analyze output, with QEMU's `[k]` suffix for repeated names. */
  readonly shownName: string;
  readonly key: string | undefined;
  readonly element: ElementCodec;
  /** Whether reading needs the receiver's current value (checks, null slots, nested structs). */
  readonly passCurrent: boolean;
  exists(obj: Obj, ctx: MigrationContext, version: number): boolean;
  /** Element count at this moment (from the state for variable arrays); checked against the bound. */
  count(obj: Obj, ctx: MigrationContext, offset: number | undefined): number;
}

/** A description compiled once: everything the load and save walks need, precomputed. */
export interface Plan {
  readonly vmsd: Vmsd;
  readonly name: string;
  readonly nameBytes: Uint8Array;
  /** Whether `nameBytes` spell the name exactly (no character above 0xff), so input can match it. */
  readonly latin1Name: boolean;
  /** As a subsection: marker, name and version as the parent writes them (undefined: name too long). */
  readonly header: Uint8Array | undefined;
  readonly fields: readonly FieldPlan[];
  readonly subsections: readonly SubsectionPlan[];
  readonly subsectionsByName: ReadonlyMap<string, SubsectionPlan>;
  /** True when a vmdesc may describe arrays of this struct by their first element. */
  readonly compressible: boolean;
  /** A fresh receiver object with every member at its default. */
  initial(): Obj;
  /** Like initial(), but members every load at `version` overwrites unread are left undefined. */
  loadTarget(version: number): Obj;
  /** The field loop of a load (generated code where allowed, else the interpreter). */
  readonly readFields: ReadFields;
  /** The field loop of a save without vmdesc. */
  readonly writeFields: WriteFields;
  /**
   * Size of the last body `save` wrote (0: none yet). Most devices write the same size every
   * time, so `save` writes the next one straight into a result of this size (no copy out).
   */
  saveSizeHint: number;
}

export interface SubsectionPlan extends Plan {
  readonly vmsd: Subsection;
}

/** Plans with generated field loops, and interpreted ones (jitless): the same description may have both. */
const caches = { compiled: new WeakMap<Vmsd, Plan>(), interpreted: new WeakMap<Vmsd, Plan>() };

/**
 * Compiles a description (and everything it nests, in the same mode) once; later calls return the
 * cached plan. `interpret` defaults to the codec's setting (jit.ts).
 */
export function planOf(vmsd: Vmsd, interpret: boolean = isJitless()): Plan {
  const cached = (interpret ? caches.interpreted : caches.compiled).get(vmsd);
  if (cached) return cached;
  return compile(vmsd, interpret);
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function shownNames(fields: readonly Field[]): string[] {
  const total = new Map<string, number>();
  for (const f of fields) total.set(f.name, (total.get(f.name) ?? 0) + 1);
  const seen = new Map<string, number>();
  return fields.map((f) => {
    if ((total.get(f.name) ?? 0) < 2) return f.name;
    const k = seen.get(f.name) ?? 0;
    seen.set(f.name, k + 1);
    return `${f.name}[${k}]`;
  });
}

function structOpsFor(t: { vmsd: Vmsd }, interpret: boolean): () => StructOps {
  // Resolved lazily so recursive and shared descriptions compile once and terminate.
  let ops: StructOps | undefined;
  return () => {
    if (ops) return ops;
    const plan = planOf(t.vmsd, interpret);
    ops = {
      name: plan.name,
      version: plan.vmsd.version,
      minimumVersion: plan.vmsd.minimumVersion,
      compressible: plan.compressible,
      initial: () => plan.initial(),
      loadTarget: (version) => plan.loadTarget(version),
      read: (r, into, version, ctx) => readBody(plan, r, into, version, ctx),
      write: (w, obj, ctx, describe) => writeBody(plan, w, obj, ctx, describe),
    };
    return ops;
  };
}

function compileField(field: Field, shownName: string, interpret: boolean): FieldPlan {
  const element = elementCodec(field.type, (t) => structOpsFor(t, interpret), field.since);
  const { count } = field;
  const exists = (obj: Obj, ctx: MigrationContext, version: number) => fieldExists(field, obj, ctx, version);
  let countOf: FieldPlan['count'];
  if (count.kind === 'one') countOf = () => 1;
  else if (count.kind === 'fixed') countOf = () => count.n;
  else {
    countOf = (obj, ctx, offset) => {
      const raw = sizeFrom(count.from, obj, ctx);
      // The bound is checked before the count is used for anything: this is the CVE class.
      if (raw < 0 || raw > count.max) {
        fail('bound-exceeded', `element count ${raw} is outside 0..${count.max}`, {
          offset,
          details: {
            count: raw,
            max: count.max,
            from: typeof count.from === 'string' ? count.from : '(function)',
          },
        });
      }
      return raw * count.multiply;
    };
  }
  const t = field.type;
  // Structs load into the receiver's object when it has one.
  const passCurrent = readsCurrent(t) || t.kind === 'struct';
  return { field, shownName, key: field.key, element, passCurrent, exists, count: countOf };
}

/** The interpreter's field loops; also the fallback where code generation is not allowed. */
function interpretedLoops(
  vmsd: Vmsd,
  fields: readonly FieldPlan[],
): { readFields: ReadFields; writeFields: WriteFields } {
  return {
    readFields(r, obj, version, ctx) {
      eachField(fields, (f) => readField(f, r, obj, version, ctx));
    },
    writeFields(w, obj, ctx) {
      eachField(fields, (f) => writeField(f, w, obj, vmsd.version, ctx, undefined));
    },
  };
}

function fieldLoops(
  vmsd: Vmsd,
  fields: readonly FieldPlan[],
  interpret: boolean,
): { readFields: ReadFields; writeFields: WriteFields } {
  if (interpret) return interpretedLoops(vmsd, fields);
  const steps = {
    read: readField,
    write: (f: FieldPlan, w: Writer, obj: Obj, version: number, ctx: MigrationContext) =>
      writeField(f, w, obj, version, ctx, undefined),
  };
  return compileFieldLoops(fields, vmsd, steps) ?? interpretedLoops(vmsd, fields);
}

function compile(vmsd: Vmsd, interpret: boolean): Plan {
  const names = shownNames(vmsd.fields);
  const fields = vmsd.fields.map((f, i) => compileField(f, names[i] as string, interpret));
  const plan: Plan = {
    vmsd,
    name: vmsd.name,
    nameBytes: latin1Bytes(vmsd.name),
    latin1Name: [...vmsd.name].every((c) => c.charCodeAt(0) <= 0xff),
    header: subsectionHeader(vmsd),
    fields,
    subsections: [],
    subsectionsByName: new Map(),
    compressible: false,
    initial: () => ({}),
    loadTarget: () => ({}),
    saveSizeHint: 0,
    ...fieldLoops(vmsd, fields, interpret),
  };
  // Registered before nested descriptions compile, so recursion finds it.
  (interpret ? caches.interpreted : caches.compiled).set(vmsd, plan);
  const subsections = vmsd.subsections.map((s) => planOf(s, interpret) as SubsectionPlan);
  const byName = new Map(subsections.map((s) => [s.name, s]));
  const compressible =
    subsections.length === 0 && fields.every((f) => f.field.existsIf === undefined && f.element.compressible);
  const { initial, loadTarget } = targets(vmsd, fields, subsections, interpret);
  Object.assign(plan, { subsections, subsectionsByName: byName, compressible, initial, loadTarget });
  return plan;
}

function runHook(
  hook: ((state: Obj, info: { ctx: MigrationContext; version: number }) => unknown) | undefined,
  which: string,
  plan: Plan,
  obj: Obj,
  ctx: MigrationContext,
  version: number,
): unknown {
  if (!hook) return undefined;
  try {
    return hook(obj, { ctx, version });
  } catch (e) {
    throw asMigrationError(e, 'hook-failed', `${which} of ${plan.name} failed`);
  }
}

/** Loads a description's body (fields, then subsections) into `obj` at stream version `version`. */
export function readBody(plan: Plan, r: Reader, obj: Obj, version: number, ctx: MigrationContext): void {
  const v = plan.vmsd;
  if (version > v.version) {
    fail(
      'version-too-new',
      `${plan.name}: the input has version ${version}, the receiver knows up to ${v.version}`,
      {
        offset: r.offset,
        details: { received: version, max: v.version },
      },
    );
  }
  if (version < v.minimumVersion) {
    fail(
      'version-too-old',
      `${plan.name}: the input has version ${version}, the receiver needs at least ${v.minimumVersion}`,
      {
        offset: r.offset,
        details: { received: version, min: v.minimumVersion },
      },
    );
  }
  runHook(v.preLoad as never, 'preLoad', plan, obj, ctx, version);
  plan.readFields(r, obj, version, ctx);
  readSubsections(plan, r, obj, ctx);
  const verdict = runHook(v.postLoad as never, 'postLoad', plan, obj, ctx, version);
  if (verdict === false || typeof verdict === 'string') {
    fail(
      'hook-failed',
      `postLoad of ${plan.name} refused the state${typeof verdict === 'string' ? `: ${verdict}` : ''}`,
      {
        offset: r.offset,
      },
    );
  }
}

function readField(f: FieldPlan, r: Reader, obj: Obj, version: number, ctx: MigrationContext): void {
  const field = f.field;
  if (!f.exists(obj, ctx, version)) {
    if (field.mustExist) {
      fail(
        'validation-failed',
        field.validator ? `validation "${field.name}" failed` : `field ${field.name} must exist`,
        {
          offset: r.offset,
        },
      );
    }
    return;
  }
  if (field.validator) return;
  const key = f.key;
  if (field.unused && key === undefined) {
    r.skip(f.count(obj, ctx, r.offset) * (f.element.fixedSize ?? 0));
    return;
  }
  if (field.count.kind === 'one') {
    const value = f.element.read(r, key === undefined || !f.passCurrent ? undefined : obj[key], ctx, obj);
    if (key !== undefined) obj[key] = value;
    return;
  }
  const n = f.count(obj, ctx, r.offset);
  const bulk = f.element.readArray?.(r, n);
  if (bulk !== undefined) {
    if (key !== undefined) obj[key] = bulk;
    return;
  }
  const current = key === undefined ? undefined : obj[key];
  const old = Array.isArray(current) ? current : undefined;
  const out = new Array<unknown>(n);
  let i = 0;
  try {
    for (; i < n; i++) out[i] = f.element.read(r, old?.[i], ctx, obj);
  } catch (e) {
    throw e instanceof MigrationError ? e.within(i) : e;
  }
  if (key !== undefined) obj[key] = out;
}

function startsWith(bytes: Uint8Array, at: number, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/** The subsection loop of spec §9.2, step for step, so we accept and refuse exactly what QEMU does. */
function readSubsections(plan: Plan, r: Reader, obj: Obj, ctx: MigrationContext): void {
  const bytes = r.bytes;
  for (;;) {
    // 1. Not a subsection marker (or end of input, where QEMU's peek yields 0): done.
    if (r.peek(0) !== SUBSECTION_MARKER) return;
    // The usual case first: the length byte and name of a known subsection, compared in one go
    // (a name longer than ours passes steps 2–4, and a byte past the input never matches).
    const known = knownAt(plan, bytes, r.pos + 1);
    if (known) {
      readSubsection(known, r, 2 + known.nameBytes.length, obj, ctx);
      continue;
    }
    // 2. A name too short to start with ours is not our subsection.
    const len = r.peek(1);
    if (len === undefined || len < plan.nameBytes.length + 1) return;
    // 3. Fewer bytes than the name: done.
    if (!r.has(len, 2)) return;
    // Matched by bytes: building the name string and hashing it costs more than the body. A
    // known name starts with ours (checked when the description was built), so a match also
    // passes step 4 and is tried first.
    let sub: SubsectionPlan | undefined;
    const subs = plan.subsections;
    for (let i = 0; i < subs.length; i++) {
      const s = subs[i] as SubsectionPlan;
      if (s.latin1Name && s.nameBytes.length === len && startsWith(bytes, r.pos + 2, s.nameBytes)) {
        sub = s;
        break;
      }
    }
    if (!sub) {
      // 4. Byte-prefix test against our name (no "/" required): not ours, done.
      if (!startsWith(bytes, r.pos + 2, plan.nameBytes)) return;
      // 5. A name we do not know fails the whole load: state we cannot represent is never dropped.
      const name = latin1(bytes.subarray(r.pos + 2, r.pos + 2 + len));
      fail('unknown-subsection', `subsection "${name}" of ${plan.name} is not known to the receiver`, {
        offset: r.offset,
        path: [name],
        details: { subsection: name, parent: plan.name },
      });
    }
    readSubsection(sub, r, 2 + len, obj, ctx);
  }
}

/** The known subsection whose length byte and name stand at `at`, if one does (see readSubsections). */
function knownAt(plan: Plan, bytes: Uint8Array, at: number): SubsectionPlan | undefined {
  const subs = plan.subsections;
  const shortest = plan.nameBytes.length + 1;
  for (let i = 0; i < subs.length; i++) {
    const s = subs[i] as SubsectionPlan;
    const name = s.nameBytes;
    if (!s.latin1Name || name.length < shortest || bytes[at] !== name.length) continue;
    if (startsWith(bytes, at + 1, name)) return s;
  }
  return undefined;
}

/** 6. Consumes a subsection's header (`headerBytes` up to its version) and loads it at the version it carries. */
function readSubsection(
  sub: SubsectionPlan,
  r: Reader,
  headerBytes: number,
  obj: Obj,
  ctx: MigrationContext,
): void {
  const name = sub.name;
  r.skip(headerBytes);
  try {
    const version = r.u32();
    const nestedKey = sub.vmsd.nestedKey;
    if (nestedKey === undefined) readBody(sub, r, obj, version, ctx);
    else {
      const current = obj[nestedKey];
      const into = current !== null && typeof current === 'object' ? (current as Obj) : sub.initial();
      readBody(sub, r, into, version, ctx);
      obj[nestedKey] = into;
    }
  } catch (e) {
    throw e instanceof MigrationError ? e.within(name) : e;
  }
}

/** Saves a description's body. With `describe`, returns the vmdesc body of what was written. */
export function writeBody(
  plan: Plan,
  w: Writer,
  obj: Obj,
  ctx: MigrationContext,
  describe: boolean,
): VmdescBody | undefined {
  const v = plan.vmsd;
  const version = v.version;
  runHook(v.preSave as never, 'preSave', plan, obj, ctx, version);
  const described: VmdescField[] | undefined = describe ? [] : undefined;
  if (described) eachField(plan.fields, (f) => writeField(f, w, obj, version, ctx, described));
  else plan.writeFields(w, obj, ctx);
  const subs = writeSubsections(plan, w, obj, ctx, describe);
  runHook(v.postSave as never, 'postSave', plan, obj, ctx, version);
  if (!described) return undefined;
  const body: VmdescBody = { vmsd_name: plan.name, version, fields: described };
  if (subs && subs.length > 0) body.subsections = subs;
  return body;
}

/** The interpreter's field loop: `step` per field in order, a failure located under the field's name. */
function eachField(fields: readonly FieldPlan[], step: (f: FieldPlan) => void): void {
  let i = 0;
  try {
    for (; i < fields.length; i++) step(fields[i] as FieldPlan);
  } catch (e) {
    throw e instanceof MigrationError ? e.within((fields[i] as FieldPlan).shownName) : e;
  }
}

function describeElement(
  f: FieldPlan,
  size: number,
  nested: VmdescBody | undefined,
  position: { array_len: number } | { index: number } | undefined,
): VmdescField {
  // Key order matters: QEMU writes name, array_len|index, type, nested members, size.
  const head = { name: f.shownName, ...position, type: f.element.typeName };
  if (!nested) return { ...head, size };
  if (f.element.typeName === 'struct') return { ...head, struct: nested, size };
  const out = { ...head, ...nested, size };
  const nodes = nodesOf(nested);
  if (nodes) rememberNodes(out, nodes);
  return out;
}

function writeField(
  f: FieldPlan,
  w: Writer,
  obj: Obj,
  version: number,
  ctx: MigrationContext,
  described: VmdescField[] | undefined,
): void {
  const field = f.field;
  if (!f.exists(obj, ctx, version)) {
    // QEMU asserts here: a sender never writes state its own checks reject.
    if (field.mustExist) {
      fail(
        'validation-failed',
        field.validator ? `output validation "${field.name}" failed` : `field ${field.name} must exist`,
        {
          offset: w.pos,
        },
      );
    }
    return;
  }
  if (field.validator) return;
  const key = f.key;
  const value = key === undefined ? undefined : obj[key];
  if (field.unused) {
    const size = f.count(obj, ctx, undefined) * (f.element.fixedSize ?? 0);
    // Padding is written as zeros unless the state kept the bytes that arrived.
    if (value instanceof Uint8Array && value.length === size) w.bytes(value);
    else w.zeros(size);
    if (described && size > 0) described.push(describeElement(f, size, undefined, undefined));
    return;
  }
  const describe = described !== undefined;
  if (field.count.kind === 'one') {
    const start = w.pos;
    const nested = f.element.write(w, value, ctx, describe, obj);
    if (described) described.push(describeElement(f, w.pos - start, nested, undefined));
    return;
  }
  const n = f.count(obj, ctx, undefined);
  if (!Array.isArray(value) || value.length !== n) {
    fail(
      'invalid-value',
      `expected an array of ${n} element(s), got ${Array.isArray(value) ? `${value.length}` : typeof value}`,
      {
        details: { expected: n },
      },
    );
  }
  if (n === 0) return;
  if (!described && f.element.writeArray?.(w, value, n)) return;
  const compress = described !== undefined && n > 1 && field.existsIf === undefined && f.element.compressible;
  let i = 0;
  try {
    for (; i < n; i++) {
      const start = w.pos;
      const nested = f.element.write(w, value[i], ctx, describe, obj);
      if (!described) continue;
      if (compress) {
        if (i === 0) described.push(describeElement(f, w.pos - start, nested, { array_len: n }));
      } else described.push(describeElement(f, w.pos - start, nested, n > 1 ? { index: i } : undefined));
    }
  } catch (e) {
    throw e instanceof MigrationError ? e.within(i) : e;
  }
}

function writeSubsections(
  plan: Plan,
  w: Writer,
  obj: Obj,
  ctx: MigrationContext,
  describe: boolean,
): VmdescBody[] | undefined {
  let out: VmdescBody[] | undefined;
  for (const sub of plan.subsections) {
    // One rule, shared with the lab's tools (presence.ts); a nested subsection without its member is not sent.
    if (!subsectionNeeded(sub.vmsd, obj, ctx)) continue;
    const nestedKey = sub.vmsd.nestedKey;
    const target = nestedKey === undefined ? obj : obj[nestedKey];
    if (sub.header) w.bytes(sub.header);
    else {
      // Only reached for a name that cannot be framed: str8 reports it.
      w.u8(SUBSECTION_MARKER);
      w.str8(sub.name);
      w.u32(sub.vmsd.version);
    }
    try {
      const body = writeBody(sub, w, target as Obj, ctx, describe);
      if (body) {
        out ??= [];
        out.push(body);
      }
    } catch (e) {
      throw e instanceof MigrationError ? e.within(sub.name) : e;
    }
  }
  return out;
}
