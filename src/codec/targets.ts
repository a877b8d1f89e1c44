import {
  type AnyElementType,
  defaultContext,
  type Field,
  type Subsection,
  type Vmsd,
} from '../describe/index.js';
import type { ElementCodec } from './elements.js';
import { generate } from './jit.js';

type Obj = Record<string, unknown>;

/** What building receiver objects needs to know about a compiled field. */
export interface TargetField {
  readonly field: Field;
  readonly key: string | undefined;
  readonly element: ElementCodec;
}

export interface Targets {
  /** A fresh receiver object with every member at its default. */
  initial(): Obj;
  /**
   * The object a load at `version` starts from: like `initial()`, but members that load always
   * overwrites before anything can read them are left `undefined` (building them is wasted work).
   */
  loadTarget(version: number): Obj;
}

/** Whether reading this element uses the receiver's current value (checks, null slots). */
export function readsCurrent(t: AnyElementType): boolean {
  return (t.kind === 'int' && t.check !== undefined) || t.kind === 'pointer';
}

/**
 * Whether a count or size function may read the state. One declared without parameters
 * (`count: () => 512`, the receiver's own configuration) cannot: arrow functions have no
 * `arguments`, so only an arrow or method of length 0 is taken as blind (methods have no
 * `prototype` either; one reading `arguments` would be perverse).
 */
function mayReadState(fn: (...args: never[]) => unknown): boolean {
  return fn.length > 0 || Object.hasOwn(fn, 'prototype');
}

/** The member names an element's sizes are read from, and whether a function that may read the state decides one. */
function sizeSources(t: AnyElementType, names: string[]): boolean {
  if (t.kind === 'pointer') return sizeSources(t.target, names);
  if (t.kind !== 'vbuffer') return false;
  if (typeof t.size === 'function') return mayReadState(t.size);
  names.push(t.size);
  return false;
}

/**
 * The keys `loadTarget` may leave undefined at `version`. A member qualifies when every field
 * holding it is read unconditionally, without its current value, and nothing reads it before the
 * first of them: no count or size names it earlier (or on that field), and no user function
 * (`existsIf`, validator, count or size function) runs before it, since those may read anything.
 */
function overwrittenKeys(fields: readonly TargetField[], version: number): Set<string> {
  const observed = new Set<string>();
  const disqualified = new Set<string>();
  const first = new Set<string>();
  let userCodeRan = false;
  for (const { field: f, key } of fields) {
    const names: string[] = [];
    if (f.existsIf !== undefined) userCodeRan = true;
    if (f.count.kind === 'var') {
      if (typeof f.count.from === 'function') userCodeRan ||= mayReadState(f.count.from);
      else names.push(f.count.from);
    }
    if (sizeSources(f.type, names)) userCodeRan = true;
    for (const n of names) observed.add(n);
    if (key === undefined) continue;
    const unconditional =
      f.existsIf === undefined && !f.unused && !f.validator && f.since <= version && !readsCurrent(f.type);
    if (!unconditional) disqualified.add(key);
    else if (!first.has(key) && !userCodeRan && !observed.has(key)) first.add(key);
    else if (!first.has(key)) disqualified.add(key);
  }
  for (const k of disqualified) first.delete(k);
  return first;
}

function defaultOf(f: TargetField): unknown {
  const d = f.field.default;
  // Primitives need no copy; structuredClone costs ~0.5 µs even for a number.
  if (d !== undefined) return d !== null && typeof d === 'object' ? structuredClone(d) : d;
  const c = f.field.count;
  if (c.kind === 'one') return f.element.initial();
  if (c.kind === 'var') return [];
  return defaultArray(f.element, c.n);
}

/**
 * `n` default elements. A primitive default is filled in one call; objects are built one by one
 * (a plain loop: Array.from({ length }) takes V8's generic iterable path, ~100 ns/element).
 */
function defaultArray(element: ElementCodec, n: number): unknown[] {
  if (n === 0) return [];
  const first = element.initial();
  if (isPrimitive(first)) return new Array<unknown>(n).fill(first);
  const a = new Array<unknown>(n);
  a[0] = first;
  for (let i = 1; i < n; i++) a[i] = element.initial();
  return a;
}

function isPrimitive(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}

type SubsectionTarget = { readonly vmsd: Subsection; initial(): Obj };

/**
 * A generated function returning the receiver object as one object literal: V8 builds that with
 * its final shape in one step, where member-by-member stores through `obj[key]` are megamorphic
 * and cost more than the load itself. Primitive defaults are computed once and shared; objects
 * are built afresh per call. Undefined where code generation is forbidden (CSP).
 */
function literalFactory(
  fields: readonly TargetField[],
  subsections: readonly SubsectionTarget[],
  skip: ReadonlySet<string>,
): (() => Obj) | undefined {
  const values: unknown[] = [];
  const fresh: (() => unknown)[] = [];
  const members: string[] = [];
  for (const f of fields) {
    if (f.key === undefined) continue;
    const at = values.length;
    const d = skip.has(f.key) ? undefined : defaultOf(f);
    values.push(isPrimitive(d) ? d : undefined);
    fresh.push(() => defaultOf(f));
    members.push(`${JSON.stringify(f.key)}: ${isPrimitive(d) ? `V[${at}]` : `D[${at}]()`}`);
  }
  const merged = subsections.filter((s) => s.vmsd.nestedKey === undefined);
  const assigns = merged.map((_, j) => `Object.assign(o, S[${j}].initial());`).join(' ');
  const factory = generate(
    ['V', 'D', 'S'],
    `'use strict'; return function () { const o = { ${members.join(', ')} }; ${assigns} return o; };`,
  );
  return factory?.(values, fresh, merged) as (() => Obj) | undefined;
}

/**
 * Variable arrays whose count is the receiver's own function (`count: () => 512`): a fresh receiver
 * holds that many default elements, not `[]`, or saving its own reset state would fail.
 */
function receiverSized(fields: readonly TargetField[]): ((obj: Obj) => void) | undefined {
  const sized = fields.filter(
    (f) =>
      f.key !== undefined &&
      f.field.default === undefined &&
      f.field.count.kind === 'var' &&
      typeof f.field.count.from === 'function',
  );
  if (sized.length === 0) return undefined;
  return (obj) => {
    for (const f of sized) {
      const c = f.field.count;
      const key = f.key as string;
      if (c.kind !== 'var' || typeof c.from !== 'function' || !Array.isArray(obj[key])) continue;
      if ((obj[key] as unknown[]).length > 0) continue;
      let n: number;
      try {
        n = c.from(obj, defaultContext) * c.multiply;
      } catch {
        continue; // A count that cannot be computed here is reported by the save that needs it.
      }
      if (!Number.isSafeInteger(n) || n <= 0 || n > c.max * c.multiply) continue;
      obj[key] = defaultArray(f.element, n);
    }
  };
}

/** `interpret`: build receivers member by member, without generated code (jitless). */
export function targets(
  vmsd: Vmsd,
  fields: readonly TargetField[],
  subsections: readonly SubsectionTarget[],
  interpret: boolean,
): Targets {
  const fill = receiverSized(fields);
  // The interpreted builder: the reference, and the fallback where code generation is forbidden.
  const build = (skip: ReadonlySet<string>): Obj => {
    const obj: Obj = {};
    for (const f of fields) {
      if (f.key !== undefined) obj[f.key] = skip.has(f.key) ? undefined : defaultOf(f);
    }
    for (const s of subsections) {
      if (s.vmsd.nestedKey === undefined) Object.assign(obj, s.initial());
    }
    return obj;
  };
  const factoryFor = (skip: ReadonlySet<string>): (() => Obj) => {
    const make = (interpret ? undefined : literalFactory(fields, subsections, skip)) ?? (() => build(skip));
    if (!fill) return make;
    return () => {
      const obj = make();
      fill(obj);
      return obj;
    };
  };
  // Built on first use: a nested description may not be complete while this one compiles.
  let initialFactory: (() => Obj) | undefined;
  const initial = (): Obj => {
    initialFactory ??= factoryFor(new Set());
    return initialFactory();
  };
  const perVersion = new Map<number, () => Obj>();
  const loadTarget = (version: number): Obj => {
    // A preLoad hook sees the object before the load: it gets the full initial state. Versions
    // the load will refuse are not cached (they come from the input, so there can be many).
    if (vmsd.preLoad || version < vmsd.minimumVersion || version > vmsd.version) return initial();
    let make = perVersion.get(version);
    if (make === undefined) {
      make = factoryFor(overwrittenKeys(fields, version));
      perVersion.set(version, make);
    }
    return make();
  };
  return { initial, loadTarget };
}
