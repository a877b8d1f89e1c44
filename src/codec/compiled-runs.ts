import { type Field, INT_RANGES } from '../describe/index.js';

/**
 * Runs of consecutive fixed-width fields in the generated field loops: one bounds check (load)
 * or one reservation (save) for the whole run, then straight reads and stores on the bytes
 * (`b`, from `p`). A load whose input is too short for the run, and a save meeting a value the
 * inline test rejects, fall back to each field's own code, so errors are the interpreter's.
 */

/** How one field of a run is read from and stored into `b` at offset expression `o`. */
export interface BatchOp {
  readonly width: number;
  read(o: string): string;
  /**
   * An `equal` field: a load accepts the value only when it equals the receiver's (the element's
   * own read reports it otherwise). Saves write it as a plain value.
   */
  readonly equal?: true;
  /** The test a value `v` must pass to be stored by `write` (the element's own check). */
  readonly ok: string;
  write(o: string): string;
}

/** A field in a run: its index and key, its op, and its one-field code for the slow path. */
export interface Batched {
  readonly index: number;
  readonly key: string;
  readonly op: BatchOp;
  readonly slow: string;
}

const at = (o: string, k: number) => (k === 0 ? `b[${o}]` : `b[${o} + ${k}]`);

function intOp(width: 1 | 2 | 4, signed: boolean, lo: number, hi: number): BatchOp {
  const ok = `typeof v === 'number' && Number.isInteger(v) && v >= ${lo} && v <= ${hi}`;
  if (width === 1) return { width, ok, read: (o) => at(o, 0), write: (o) => `${at(o, 0)} = v & 0xff;` };
  if (width === 2) {
    return {
      width,
      ok,
      read: (o) =>
        signed ? `(((${at(o, 0)} << 24) | (${at(o, 1)} << 16)) >> 16)` : `((${at(o, 0)} << 8) | ${at(o, 1)})`,
      write: (o) => `${at(o, 0)} = v >>> 8; ${at(o, 1)} = v & 0xff;`,
    };
  }
  const word = (o: string) => `(${at(o, 0)} << 24) | (${at(o, 1)} << 16) | (${at(o, 2)} << 8) | ${at(o, 3)}`;
  return {
    width,
    ok,
    read: (o) => (signed ? `(${word(o)})` : `((${word(o)}) >>> 0)`),
    write: (o) =>
      `${at(o, 0)} = v >>> 24; ${at(o, 1)} = v >>> 16; ${at(o, 2)} = v >>> 8; ${at(o, 3)} = v & 0xff;`,
  };
}

/** A Map, so a type name from data ("constructor") cannot reach Object.prototype. */
const INT_OPS = new Map<string, BatchOp>(
  (['uint8', 'uint16', 'uint32', 'int16', 'int32'] as const).map((name) => {
    const [lo, hi] = INT_RANGES[name];
    const width = name.endsWith('8') ? 1 : name.endsWith('16') ? 2 : 4;
    return [name, intOp(width, name.startsWith('int'), lo, hi)];
  }),
);

const BOOL_OP: BatchOp = {
  width: 1,
  ok: "typeof v === 'boolean'",
  read: (o) => `(${at(o, 0)} !== 0)`,
  write: (o) => `${at(o, 0)} = v ? 1 : 0;`,
};

/** The op for a field that may join a run (one element of a fixed width), or undefined. */
export function batchOp(fl: Field): BatchOp | undefined {
  if (fl.count.kind !== 'one') return undefined;
  const t = fl.type;
  if (t.kind === 'int') {
    const op = INT_OPS.get(t.int);
    if (t.check === undefined || op === undefined) return op;
    return t.check === 'equal' ? { ...op, equal: true } : undefined;
  }
  if (t.kind === 'bool') return BOOL_OP;
  if (t.kind === 'buffer' && Number.isSafeInteger(t.size) && t.size > 0) {
    const size = t.size;
    return {
      width: size,
      ok: `v instanceof Uint8Array && v.length === ${size}`,
      read: (o) => `copyBytes(b.subarray(${o}, ${o} + ${size}))`,
      write: (o) => `b.set(v, ${o});`,
    };
  }
  return undefined;
}

const offset = (k: number) => (k === 0 ? 'p' : `p + ${k}`);
const member = (key: string) => `obj[${JSON.stringify(key)}]`;

/** Load: when all the run's bytes are there, read them directly (only an `equal` mismatch can fail). */
export function runRead(run: readonly Batched[]): string {
  let k = 0;
  const fast: string[] = [];
  for (const x of run) {
    const m = member(x.key);
    const o = offset(k);
    // A mismatch goes to the element's own read at the field's offset, which reports it.
    if (x.op.equal)
      fast.push(
        `v = ${x.op.read(o)}; if (v !== ${m}) { r.pos = ${o}; i = ${x.index}; v = E[${x.index}].read(r, ${m}, ctx, obj); } ${m} = v;`,
      );
    else fast.push(`${m} = ${x.op.read(o)};`);
    k += x.op.width;
  }
  const slow = run.map((x) => x.slow).join(' ');
  return `if (r.pos + ${k} <= r.bytes.length) { b = r.bytes; p = r.pos; ${fast.join(' ')} r.pos = p + ${k}; } else { ${slow} }`;
}

/**
 * Save: reserve the run once and store each value after its test. A rejected value puts the
 * writer back where the interpreter would be (the run's earlier fields written) and hands the
 * value to the element's own `write`, which throws the interpreter's error.
 */
export function runWrite(run: readonly Batched[]): string {
  const total = run.reduce((sum, x) => sum + x.op.width, 0);
  let k = 0;
  const body: string[] = [];
  for (const x of run) {
    const o = offset(k);
    // (Should the element accept the value after all, it wrote it in place: the run goes on.)
    body.push(
      `v = ${member(x.key)}; if (${x.op.ok}) { ${x.op.write(o)} } else { i = ${x.index}; w.pos = ${o}; E[${x.index}].write(w, v, ctx, false, obj); w.pos = p + ${total}; b = w.buffer; }`,
    );
    k += x.op.width;
  }
  return `p = w.claim(${total}); b = w.buffer; ${body.join(' ')}`;
}
