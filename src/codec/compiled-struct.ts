import type { Field, StructType, Subsection, Vmsd } from '../describe/index.js';
import { type BatchOp, batchOp } from './compiled-runs.js';
import { SUBSECTION_MARKER, subsectionHeader } from './subsection-header.js';

/**
 * Nested structs flattened into the parent's generated field loops. A struct whose description
 * is "flat" (no hooks; every field a fixed-width value of compiled-runs.ts; subsections of the
 * same kind, kept on the struct's own object) is written and read inline: one reservation or
 * bounds check per piece, subsection headers as constant bytes. Anything off that straight path
 * (a value the inline test rejects, short input, a subsection other than the expected one, a
 * version other than the description's own, an `equal` mismatch) puts the reader or writer back
 * where the element started and hands the whole element to its own codec, which does exactly
 * what it did before, errors included: a flattened element never reports anything itself.
 */

interface FlatField {
  readonly key: string;
  readonly op: BatchOp;
}

interface FlatSubsection {
  /** Marker, name length, name and version, as the parent writes them and a load expects them. */
  readonly header: readonly number[];
  readonly fields: readonly FlatField[];
  /** Index into the generated code's constants, when a `needed` predicate decides it. */
  readonly neededAt: number | undefined;
}

interface FlatStruct {
  readonly load: readonly FlatField[];
  readonly save: readonly FlatField[];
  readonly subsections: readonly FlatSubsection[];
}

const hasHooks = (d: Vmsd) =>
  d.preLoad !== undefined || d.postLoad !== undefined || d.preSave !== undefined || d.postSave !== undefined;

/** The fields present at `version`, when every field of `fields` can be inlined; else undefined. */
function flatFields(fields: readonly Field[], version: number): FlatField[] | undefined {
  const out: FlatField[] = [];
  for (const f of fields) {
    if (f.key === undefined || f.existsIf || f.unused || f.validator || f.mustExist) return undefined;
    if (!Number.isSafeInteger(f.since)) return undefined;
    const op = batchOp(f);
    if (!op) return undefined;
    if (f.since <= version) out.push({ key: f.key, op });
  }
  return out;
}

/** The subsection's header bytes, when its name is latin1 (the parent's lookup skips others). */
function headerBytes(sub: Subsection): number[] | undefined {
  if ([...sub.name].some((c) => c.charCodeAt(0) > 0xff)) return undefined;
  const header = subsectionHeader(sub);
  return header ? Array.from(header) : undefined;
}

/**
 * The flat form of a struct element, or undefined when it must stay with its codec. `needed`
 * predicates are registered in `constants` (the generated code reaches them as `X[k]`).
 */
function flatStruct(t: StructType, constants: unknown[]): FlatStruct | undefined {
  const d = t.vmsd;
  const loadVersion = t.structVersion ?? d.version;
  if (hasHooks(d) || loadVersion < d.minimumVersion || loadVersion > d.version) return undefined;
  const load = flatFields(d.fields, loadVersion);
  const save = flatFields(d.fields, d.version);
  if (!load || !save) return undefined;
  const subsections: FlatSubsection[] = [];
  for (const s of d.subsections) {
    // Shorter names are never looked up by the parent (spec §9.2 step 2): leave those to the codec.
    if (hasHooks(s) || s.nestedKey !== undefined || s.subsections.length > 0) return undefined;
    if (s.name.length < d.name.length + 1) return undefined;
    const header = headerBytes(s);
    const fields = flatFields(s.fields, s.version);
    if (!header || !fields) return undefined;
    let neededAt: number | undefined;
    if (s.needed) {
      neededAt = constants.length;
      constants.push(s);
    }
    subsections.push({ header, fields, neededAt });
  }
  return { load, save, subsections };
}

const widthOf = (fields: readonly FlatField[]) => fields.reduce((sum, f) => sum + f.op.width, 0);
const at = (k: number) => (k === 0 ? 'p' : `p + ${k}`);
const member = (key: string) => `d[${JSON.stringify(key)}]`;

/** Stores of `fields` from offset `k` of the claimed run; a rejected value leaves through `fail`. */
function storeFields(fields: readonly FlatField[], k: number, fail: string): string[] {
  const out: string[] = [];
  for (const f of fields) {
    out.push(`v = ${member(f.key)}; if (!(${f.op.ok})) ${fail}; ${f.op.write(at(k))}`);
    k += f.op.width;
  }
  return out;
}

/** Reads of `fields` from offset `k`; an `equal` mismatch leaves through `fail`. */
function loadFields(fields: readonly FlatField[], k: number, fail: string): string[] {
  const out: string[] = [];
  for (const f of fields) {
    const m = member(f.key);
    if (f.op.equal) out.push(`v = ${f.op.read(at(k))}; if (v !== ${m}) ${fail}; ${m} = v;`);
    else out.push(`${m} = ${f.op.read(at(k))};`);
    k += f.op.width;
  }
  return out;
}

/**
 * Save of one element `d` (already fetched). `generic` is the element's own write, run from the
 * element's start when the straight path cannot take it. Unconditional pieces share one claim;
 * a subsection behind `needed` gets its own, after asking (as the interpreter asks: after the
 * fields, before the header).
 */
function writeElement(flat: FlatStruct, label: string, generic: string): string {
  const fail = `break f${label}`;
  const code: string[] = [
    `s = w.pos;`,
    `g${label}: { f${label}: {`,
    `if (d === null || typeof d !== 'object' || Array.isArray(d)) ${fail};`,
  ];
  let pending: string[] = [];
  let width = 0;
  const flush = () => {
    if (width > 0) code.push(`p = w.claim(${width}); b = w.buffer;`, ...pending);
    pending = [];
    width = 0;
  };
  pending.push(...storeFields(flat.save, 0, fail));
  width = widthOf(flat.save);
  for (const s of flat.subsections) {
    if (s.neededAt !== undefined) flush();
    const stores = s.header.map((byte, k) => `b[${at(width + k)}] = ${byte};`);
    stores.push(...storeFields(s.fields, width + s.header.length, fail));
    const size = s.header.length + widthOf(s.fields);
    if (s.neededAt === undefined) {
      pending.push(...stores);
      width += size;
    } else {
      code.push(
        `if (NEEDED(X[${s.neededAt}], d, ctx)) { p = w.claim(${size}); b = w.buffer; ${stores.join(' ')} }`,
      );
    }
  }
  flush();
  code.push(`break g${label};`, `}`, `w.pos = s; ${generic}`, `}`);
  return code.join(' ');
}

/**
 * Load of one element into `result`, from the receiver's current element `c`. The subsections
 * are taken in description order when each stands there with its exact header (the version
 * included); whatever follows must not be another subsection marker, or the element's own codec
 * reads it all again by the full rule.
 */
function readElement(flat: FlatStruct, index: number, label: string, result: string): string {
  const fail = `break f${label}`;
  const width = widthOf(flat.load);
  const code: string[] = [
    `s = r.pos; b = r.bytes; p = s;`,
    `g${label}: { f${label}: {`,
    `if (p + ${width} > b.length) ${fail};`,
    `d = c !== null && typeof c === 'object' ? c : E[${index}].loadTarget();`,
    ...loadFields(flat.load, 0, fail),
    `p += ${width};`,
  ];
  for (const s of flat.subsections) {
    const size = s.header.length + widthOf(s.fields);
    const match = s.header.map((byte, k) => `b[${at(k)}] === ${byte}`).join(' && ');
    code.push(
      `if (p + ${size} <= b.length && ${match}) { ${loadFields(s.fields, s.header.length, fail).join(' ')} p += ${size}; }`,
    );
  }
  code.push(
    `if (b[p] === ${SUBSECTION_MARKER}) ${fail};`,
    `r.pos = p; ${result} = d; break g${label};`,
    `}`,
    `r.pos = s; ${result} = E[${index}].read(r, c, ctx, obj);`,
    `}`,
  );
  return code.join(' ');
}

/**
 * Inline code for a struct field (one element or a fixed array of them), or undefined when the
 * struct is not flat. `member` is the parent's member expression, `i` the field's index.
 */
export function inlineFlatStruct(
  fl: Field,
  member: string,
  i: number,
  constants: unknown[],
): { read: string; write: string } | undefined {
  if (fl.type.kind !== 'struct') return undefined;
  const count = fl.count;
  if (count.kind !== 'one' && !(count.kind === 'fixed' && Number.isSafeInteger(count.n))) return undefined;
  const flat = flatStruct(fl.type, constants);
  if (!flat) return undefined;
  const label = `${i}`;
  const genericWrite = `E[${i}].write(w, d, ctx, false, obj);`;
  if (count.kind === 'one') {
    return {
      read: `c = ${member}; ${readElement(flat, i, label, member)}`,
      write: `d = ${member}; ${writeElement(flat, label, genericWrite)}`,
    };
  }
  const n = count.n;
  const each = (step: string) =>
    `for (let j = 0; j < ${n}; j++) { try { ${step} } catch (e) { throw e instanceof MigrationError ? e.within(j) : e; } }`;
  return {
    read: `a = ${member}; if (!Array.isArray(a)) a = undefined; n = new Array(${n}); ${each(`c = a === undefined ? undefined : a[j]; ${readElement(flat, i, label, 'n[j]')}`)} ${member} = n;`,
    write: `a = ${member}; if (!(Array.isArray(a) && a.length === ${n})) writeField(F[i], w, obj, VERSION, ctx); else ${each(`d = a[j]; ${writeElement(flat, label, genericWrite)}`)}`,
  };
}
