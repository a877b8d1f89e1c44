import { defaultContext, type Infer, type MigrationContext, type Vmsd } from '../describe/index.js';
import { fail, MigrationError } from '../errors/index.js';
import { Reader, Writer } from '../wire/index.js';
import { type Plan, planOf, readBody, writeBody } from './plan.js';
import type { VmdescBody } from './vmdesc-json.js';

type Obj = Record<string, unknown>;

export interface LoadOptions<S> {
  /** The version the input was written at (a section header carries it). Default: the description's. */
  version?: number;
  /**
   * The receiver's current state: "equal" fields are compared with it, absent fields and
   * subsections keep its values, null pointer slots are taken from it. Never modified.
   * Default: the description's initial state.
   */
  into?: S;
  ctx?: MigrationContext;
  /** Absolute offset of the first byte, for error messages. */
  baseOffset?: number;
}

export interface SaveOptions {
  ctx?: MigrationContext;
}

/** A fresh state with every member at its default (what a receiver holds after reset). */
export function initial<D extends Vmsd>(desc: D): Infer<D> {
  return planOf(desc).initial() as Infer<D>;
}

/**
 * Loads the body of a description from `bytes` (which must hold exactly that body). The result is
 * a new object; on any failure a MigrationError names the place and nothing is changed.
 */
export function load<D extends Vmsd>(
  desc: D,
  bytes: Uint8Array,
  options: LoadOptions<Infer<D>> = {},
): Infer<D> {
  const r = new Reader(bytes, { base: options.baseOffset ?? 0 });
  const out = loadFrom(desc, r, options);
  if (r.remaining > 0) {
    fail('trailing-bytes', `${r.remaining} byte(s) left after ${desc.name}`, {
      offset: r.offset,
      path: [desc.name],
    });
  }
  return out;
}

/** Loads a body from a reader positioned at it (stream layers use this). */
export function loadFrom<D extends Vmsd>(desc: D, r: Reader, options: LoadOptions<Infer<D>> = {}): Infer<D> {
  const plan = planOf(desc);
  // The receiver's object is a copy: a failed load commits nothing.
  const obj = (
    options.into === undefined
      ? plan.loadTarget(options.version ?? desc.version)
      : structuredClone(options.into)
  ) as Obj;
  try {
    readBody(plan, r, obj, options.version ?? desc.version, options.ctx ?? defaultContext);
  } catch (e) {
    throw e instanceof MigrationError ? e.within(desc.name) : e;
  }
  return obj as Infer<D>;
}

/**
 * One writer reused by every `save` (which copies its bytes out): a fresh buffer, DataView and
 * growth copies per call cost more than saving a small device. Taken out of the slot while in
 * use, so a save from inside a hook gets its own writer.
 */
let scratch: Writer | undefined;
/** A writer that grew beyond this is dropped after use rather than kept for the process's life. */
const SCRATCH_KEEP_MAX = 64 * 1024;

/** Saves a description's body: exactly the bytes QEMU's vmstate_save_state writes. */
export function save<D extends Vmsd>(desc: D, state: Infer<D>, options: SaveOptions = {}): Uint8Array {
  const plan = planOf(desc);
  const hint = plan.saveSizeHint;
  // The result is allocated anyway: when the body has the size of the last one, write straight
  // into it and skip the copy out of a scratch writer. Up to 64 KiB, so a miss costs little.
  if (hint > 0 && hint <= SCRATCH_KEEP_MAX) {
    const out = new Uint8Array(hint);
    const w = new Writer(out);
    saveBody(plan, desc, w, state, options);
    plan.saveSizeHint = w.pos;
    return w.result(out);
  }
  const w = scratch ?? new Writer(4096);
  scratch = undefined;
  w.reset();
  try {
    saveBody(plan, desc, w, state, options);
    plan.saveSizeHint = w.pos;
    return w.finish();
  } finally {
    scratch = w.capacity <= SCRATCH_KEEP_MAX ? w : undefined;
  }
}

function saveBody(plan: Plan, desc: Vmsd, w: Writer, state: unknown, options: SaveOptions): void {
  try {
    writeBody(plan, w, state as Obj, options.ctx ?? defaultContext, false);
  } catch (e) {
    throw e instanceof MigrationError ? e.within(desc.name) : e;
  }
}

/** Saves a body into an existing writer (stream layers use this). */
export function saveTo<D extends Vmsd>(desc: D, w: Writer, state: Infer<D>, options: SaveOptions = {}): void {
  saveBody(planOf(desc), desc, w, state, options);
}

/** Saves and also returns the vmdesc body QEMU would append to describe these bytes (spec §13). */
export function saveDescribed<D extends Vmsd>(
  desc: D,
  state: Infer<D>,
  options: SaveOptions & { writer?: Writer } = {},
): { bytes: Uint8Array; vmdesc: VmdescBody } {
  const w = options.writer ?? new Writer(256);
  const start = w.pos;
  let vmdesc: VmdescBody | undefined;
  try {
    vmdesc = writeBody(planOf(desc), w, state as Obj, options.ctx ?? defaultContext, true);
  } catch (e) {
    throw e instanceof MigrationError ? e.within(desc.name) : e;
  }
  return { bytes: w.peekBytes().slice(start), vmdesc: vmdesc as VmdescBody };
}
