import { type AnyElementType, type Field, INT_RANGES, type MigrationContext } from '../describe/index.js';
import { MigrationError } from '../errors/index.js';
import type { Reader, Writer } from '../wire/index.js';
import { type Batched, batchOp, runRead, runWrite } from './compiled-runs.js';
import { inlineFlatStruct } from './compiled-struct.js';
import type { ElementCodec } from './elements.js';
import { generate } from './jit.js';
import { subsectionNeeded } from './presence.js';
import { copyBytes } from './slab.js';

type Obj = Record<string, unknown>;

/** What the generator needs to know about a compiled field. */
export interface CompiledField {
  readonly field: Field;
  readonly key: string | undefined;
  readonly shownName: string;
  readonly element: ElementCodec;
  /** Element count at this moment (checked against the field's bound). */
  count(obj: Obj, ctx: MigrationContext, offset: number | undefined): number;
}

/** The field loops of a body: all fields, in order, each failure located under its field name. */
export type ReadFields = (r: Reader, obj: Obj, version: number, ctx: MigrationContext) => void;
export type WriteFields = (w: Writer, obj: Obj, ctx: MigrationContext) => void;

/** The interpreter's one-field steps; generated code calls them for every field it does not inline. */
export interface FieldSteps<F> {
  read(f: F, r: Reader, obj: Obj, version: number, ctx: MigrationContext): void;
  write(f: F, w: Writer, obj: Obj, version: number, ctx: MigrationContext): void;
}

/**
 * Reader/Writer method per inlined integer type (64-bit ones stay interpreted: bigint checks).
 * A Map, so a type name from data ("constructor") cannot reach Object.prototype.
 */
const INT_METHOD = new Map<string, { read: string; write: string }>([
  ['uint8', { read: 'u8', write: 'u8' }],
  ['uint16', { read: 'u16', write: 'u16' }],
  ['uint32', { read: 'u32', write: 'u32' }],
  ['int16', { read: 'i16', write: 'i16' }],
  ['int32', { read: 'i32', write: 'i32' }],
]);

/**
 * Straight-line JavaScript for one field, or undefined to leave it to the interpreter. Only
 * fields whose every decision is known at compile time are inlined: a key, a fixed count, no
 * predicate, padding or mustExist, no check but `equal` (whose load compares with the receiver's
 * value in a run, and is read by the interpreter alone). Their errors come from the same places as the
 * interpreter's: truncation from the Reader; a value the inline test rejects is handed to the
 * element's own `write`, which throws the interpreter's error (or writes it, if it accepts).
 */
function inlineField(
  f: CompiledField,
  i: number,
  minimumVersion: number,
  constants: unknown[],
): { read: string; write: string } | undefined {
  const fl = f.field;
  if (f.key === undefined || fl.existsIf || fl.unused || fl.validator || fl.mustExist) return undefined;
  if (!Number.isSafeInteger(fl.since)) return undefined;
  const member = `obj[${JSON.stringify(f.key)}]`;
  const code =
    fl.type.kind === 'struct'
      ? (inlineFlatStruct(fl, member, i, constants) ?? inlineStruct(fl, member, i))
      : fl.count.kind === 'one'
        ? inlineOne(fl.type, member, i)
        : inlineBytes(fl, member);
  if (!code) return undefined;
  // Saves always run at the description's own version, so `since` is settled when compiling.
  return {
    read: fl.since <= minimumVersion ? code.read : `if (version >= ${fl.since}) { ${code.read} }`,
    write: code.write,
  };
}

function inlineOne(
  t: AnyElementType,
  member: string,
  i: number,
): { read: string; write: string } | undefined {
  const op = inlineOp(t);
  if (!op) return undefined;
  return {
    read: op.read === undefined ? 'readField(F[i], r, obj, version, ctx);' : `${member} = ${op.read};`,
    write: `v = ${member}; if (${op.ok}) ${op.write}; else E[${i}].write(w, v, ctx, false, obj);`,
  };
}

/**
 * A nested struct, or a fixed array of them, straight to the struct element's own read and
 * write (it loads into the receiver's object when there is one). Skips the interpreter's
 * generic field step; an array of the wrong length is left to it, for its error.
 */
function inlineStruct(fl: Field, member: string, i: number): { read: string; write: string } | undefined {
  if (fl.count.kind === 'one') {
    return {
      read: `${member} = E[${i}].read(r, ${member}, ctx, obj);`,
      write: `E[${i}].write(w, ${member}, ctx, false, obj);`,
    };
  }
  if (fl.count.kind !== 'fixed' || !Number.isSafeInteger(fl.count.n)) return undefined;
  const n = fl.count.n;
  const each = (step: string) =>
    `for (let j = 0; j < ${n}; j++) { try { ${step} } catch (e) { throw e instanceof MigrationError ? e.within(j) : e; } }`;
  return {
    read: `v = ${member}; if (!Array.isArray(v)) v = undefined; n = new Array(${n}); ${each(`n[j] = E[${i}].read(r, v === undefined ? undefined : v[j], ctx, obj);`)} ${member} = n;`,
    write: `v = ${member}; if (!(Array.isArray(v) && v.length === ${n})) writeField(F[i], w, obj, VERSION, ctx); else if (${n} > 0) ${each(`E[${i}].write(w, v[j], ctx, false, obj);`)}`,
  };
}

/**
 * An array of plain bytes, fixed or counted (`varray`): one bounds check and a copy loop; the
 * interpreter reports failures. A variable count is taken (and bound-checked) by the field's own
 * `count`, as the interpreter does; only the failure path asks it a second time.
 */
function inlineBytes(fl: Field, member: string): { read: string; write: string } | undefined {
  const t = fl.type;
  if (t.kind !== 'int' || t.int !== 'uint8' || t.check !== undefined) return undefined;
  let n: string;
  if (fl.count.kind === 'fixed' && Number.isSafeInteger(fl.count.n)) n = `${fl.count.n}`;
  else if (fl.count.kind === 'var') n = 'n';
  else return undefined;
  const count = (offset: string) => (n === 'n' ? `n = F[i].count(obj, ctx, ${offset}); ` : '');
  return {
    read: `${count('r.offset')}v = r.byteArray(${n}); if (v !== undefined) ${member} = v; else readField(F[i], r, obj, version, ctx);`,
    write: `v = ${member}; ${count('undefined')}if (!(Array.isArray(v) && v.length === ${n} && w.byteArray(v, ${n}))) writeField(F[i], w, obj, VERSION, ctx);`,
  };
}

/** `read` undefined: the load needs the receiver's value (an `equal` check), so the interpreter reads it. */
function inlineOp(t: AnyElementType): { read: string | undefined; ok: string; write: string } | undefined {
  if (t.kind === 'int' && (t.check === undefined || t.check === 'equal')) {
    const m = INT_METHOD.get(t.int);
    if (!m) return undefined;
    const [lo, hi] = INT_RANGES[t.int] as readonly [number, number];
    return {
      read: t.check === undefined ? `r.${m.read}()` : undefined,
      ok: `typeof v === 'number' && Number.isInteger(v) && v >= ${lo} && v <= ${hi}`,
      write: `w.${m.write}(v)`,
    };
  }
  if (t.kind === 'bool')
    return { read: 'r.u8() !== 0', ok: "typeof v === 'boolean'", write: 'w.u8(v ? 1 : 0)' };
  if (t.kind === 'buffer' && Number.isSafeInteger(t.size)) {
    return {
      read: `copyBytes(r.peekView(${t.size}))`,
      ok: `v instanceof Uint8Array && v.length === ${t.size}`,
      write: 'w.bytes(v)',
    };
  }
  return undefined;
}

/**
 * Compiles a description's field loops into one generated function each (the technique avsc
 * uses): constant member names give V8 monomorphic property access, where the interpreter's
 * `obj[key]` is megamorphic. Returns undefined where code generation is forbidden (CSP), and the
 * caller keeps interpreting.
 */
export function compileFieldLoops<F extends CompiledField>(
  fields: readonly F[],
  versions: { readonly version: number; readonly minimumVersion: number },
  steps: FieldSteps<F>,
): { readFields: ReadFields; writeFields: WriteFields } | undefined {
  const reads: string[] = [];
  const writes: string[] = [];
  // Objects the generated code reaches as X[k] (subsections whose `needed` it asks).
  const constants: unknown[] = [];
  // Runs of batchable fields (compiled-runs.ts), with each field's own code for the slow path.
  let readRun: Batched[] = [];
  let writeRun: Batched[] = [];
  const endReadRun = () => {
    if (readRun.length > 1) reads.push(runRead(readRun));
    else reads.push(...readRun.map((x) => x.slow));
    readRun = [];
  };
  const endWriteRun = () => {
    if (writeRun.length > 1) writes.push(runWrite(writeRun));
    else writes.push(...writeRun.map((x) => x.slow));
    writeRun = [];
  };
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as F;
    const inline = inlineField(f, i, versions.minimumVersion, constants);
    const read = `i = ${i}; ${inline ? inline.read : 'readField(F[i], r, obj, version, ctx);'}`;
    const op = inline && f.key !== undefined ? batchOp(f.field) : undefined;
    const batched = (slow: string): Batched | undefined =>
      op && f.key !== undefined ? { index: i, key: f.key, op, slow } : undefined;
    // Only fields present at every version the load accepts join a read run.
    const r = f.field.since <= versions.minimumVersion ? batched(read) : undefined;
    if (r) readRun.push(r);
    else {
      endReadRun();
      reads.push(read);
    }
    // The interpreter skips such a field on save (it cannot be mustExist, or it would not be inline).
    if (inline && f.field.since > versions.version) continue;
    const write = `i = ${i}; ${inline ? inline.write : 'writeField(F[i], w, obj, VERSION, ctx);'}`;
    const wr = batched(write);
    if (wr) writeRun.push(wr);
    else {
      endWriteRun();
      writes.push(write);
    }
  }
  endReadRun();
  endWriteRun();
  // `i` names the field being processed, so an error is located exactly as the interpreter does.
  const wrap = (body: string[]) => `
    let i = 0;
    try {
      ${body.join('\n      ')}
    } catch (e) {
      throw e instanceof MigrationError ? e.within(F[i].shownName) : e;
    }`;
  const make = (params: string, body: string[]) =>
    generate(
      ['F', 'E', 'readField', 'writeField', 'MigrationError', 'VERSION', 'copyBytes', 'X', 'NEEDED'],
      `'use strict'; return function (${params}) { let v; let n; let b; let p; let a; let c; let d; let s; ${wrap(body)} };`,
    )?.(
      fields,
      fields.map((f) => f.element),
      steps.read,
      steps.write,
      MigrationError,
      versions.version,
      copyBytes,
      constants,
      subsectionNeeded,
    );
  const readFields = make('r, obj, version, ctx', reads) as ReadFields | undefined;
  const writeFields = make('w, obj, ctx', writes) as WriteFields | undefined;
  return readFields && writeFields ? { readFields, writeFields } : undefined;
}
