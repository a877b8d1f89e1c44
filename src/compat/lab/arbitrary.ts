import { fieldExists, load, planOf, presentOrFailed, save, subsectionNeeded } from '../../codec/index.js';
import {
  type AnyElementType,
  defaultContext,
  type Field,
  INT_RANGES,
  type Infer,
  type IntType,
  type MigrationContext,
  type PropValue,
  type Subsection,
  type Vmsd,
} from '../../describe/index.js';
import { fail } from '../../errors/index.js';
import { fc } from './fast-check.js';
import { withoutSubsection } from './prevalent.js';

type Obj = Record<string, unknown>;

export interface ArbitraryOptions {
  /** The machine type the state lives under: `existsIf` gates closed under it keep their default. */
  ctx?: MigrationContext;
  /** The stream version the state is for (default: the description's own): later fields keep defaults. */
  version?: number;
  /**
   * Replace the generator of one member, by state path: `'status'`, `'drives[].head'` (every
   * element), `'drives'` (the whole array: keep its length valid), `'state.fifo'` (a struct member).
   * An override is used as given: it is not pinned by gates or checks. Unknown paths are an error.
   */
  overrides?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  /**
   * How often (0..1) each subsection's members take the *prevalent* value, i.e. what the receiver
   * reconstructs when the subsection is not sent. Default 0.5: half the states exercise the
   * "not needed" path, half hold arbitrary values.
   */
  prevalent?: number;
  /**
   * The properties of the newest machine type (`machines.defaults`). Used with `switchesOff`: a
   * subsection that declares `dependsOn` a listed property this machine type overrides, and whose
   * `needed` is false for the generated state, always takes its prevalent value (the feature is
   * off, so its state cannot move away from what receivers assume).
   */
  machineDefaults?: Readonly<Record<string, PropValue>>;
  /**
   * Machine-type properties that switch a feature off (see `VersionSet.switchesOff`). Default
   * none: a property that only stops sending a subsection hides nothing from the generator, which
   * keeps drawing values the receiver cannot reconstruct behind it.
   */
  switchesOff?: readonly string[];
}

/**
 * How the members of one subsection are drawn (the predicate-aimed part of the generator):
 * - `prevalent`: what a receiver reconstructs without the subsection (so `needed` should say no);
 * - `arbitrary`: any value of the member's type;
 * - `boundary`: each member at a boundary of its type (0, 1, the largest, the smallest);
 * - `implied`: the prevalent value of *another* generated state (values the other fields imply,
 *   just not these ones: the likeliest lie of a predicate that compares with a reconstruction).
 * Whatever `needed` then says, a receiver must end up with the sender's value: the honesty check
 * and the matrix test exactly that, on both sides of every `needed` and machine-type gate.
 */
export type ValueClass = 'prevalent' | 'arbitrary' | 'boundary' | 'implied';
export const VALUE_CLASSES: readonly ValueClass[] = Object.freeze([
  'prevalent',
  'arbitrary',
  'boundary',
  'implied',
]);

interface Build {
  readonly ctx: MigrationContext;
  readonly overrides: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  readonly used: Set<string>;
  readonly prevalent: number;
  readonly machineDefaults: Readonly<Record<string, PropValue>> | undefined;
  readonly switchesOff: readonly string[];
  depth: number;
}

function intArbitrary(t: IntType): fc.Arbitrary<unknown> {
  if (t.width === 8) {
    const [min, max] = INT_RANGES[t.int] as readonly [bigint, bigint];
    return fc.bigInt({ min, max });
  }
  const [min, max] = INT_RANGES[t.int] as readonly [number, number];
  return fc.integer({ min, max });
}

/** The edges of a type's range: where `x !== 0`, `x > 1` and overflow-style predicates turn. */
function boundaryValues(t: AnyElementType): readonly unknown[] | undefined {
  if (t.kind === 'bool') return [false, true];
  if (t.kind === 'timer') return [-1n, 0n, 1n, 0x7fff_ffff_ffff_ffffn];
  if (t.kind !== 'int' || t.check !== undefined) return undefined;
  if (t.width === 8) {
    const [min, max] = INT_RANGES[t.int] as readonly [bigint, bigint];
    return [...new Set([0n, 1n, max, min, max - 1n])];
  }
  const [min, max] = INT_RANGES[t.int] as readonly [number, number];
  return [...new Set([0, 1, max, min, max - 1, 2])];
}

/** The largest count a count member of this type can hold. */
function countCapacity(f: Field | undefined): number {
  if (f === undefined || f.type.kind !== 'int') return Number.MAX_SAFE_INTEGER;
  if (f.type.width === 8) return Number.MAX_SAFE_INTEGER;
  return (INT_RANGES[f.type.int] as readonly [number, number])[1];
}

function option(b: Build, path: string): fc.Arbitrary<unknown> | undefined {
  const o = b.overrides[path];
  if (o !== undefined) b.used.add(path);
  return o;
}

function elementArbitrary(t: AnyElementType, b: Build, path: string): fc.Arbitrary<unknown> {
  switch (t.kind) {
    case 'int':
      return intArbitrary(t);
    case 'bool':
      return fc.boolean();
    case 'timer':
      // Not armed is the common case and the one receivers special-case.
      return fc.oneof(fc.constant(-1n), fc.bigInt({ min: 0n, max: 0x7fff_ffff_ffff_ffffn }));
    case 'double':
      return fc.double();
    case 'buffer':
      return fc.uint8Array({ minLength: t.size, maxLength: t.size });
    case 'vbuffer':
      return fc.uint8Array({ maxLength: t.max });
    case 'struct':
      return structArbitrary(t.vmsd, t.structVersion ?? t.vmsd.version, b, `${path}.`);
    case 'pointer':
      // A null slot is only valid when the receiver's own slot is null: receivers start non-null.
      return elementArbitrary(t.target, b, path);
    // Lists and trees: a few elements, saved at their own description's version.
    case 'queue':
      return fc.array(structArbitrary(t.element, t.element.version, b, `${path}[].`), {
        maxLength: Math.min(t.max, 4),
      });
    case 'gtree': {
      const key = t.key
        ? structArbitrary(t.key, t.key.version, b, `${path}[].key.`)
        : fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn });
      const value = structArbitrary(t.value, t.value.version, b, `${path}[].value.`);
      return fc.array(fc.record({ key, value }), { maxLength: Math.min(t.max, 4) });
    }
  }
}

interface Member {
  readonly field: Field;
  /** The version the field's own description is saved at (a subsection's, not its parent's). */
  readonly version: number;
}

/** Every field whose member lands on this object: the description's, then its subsections' (merged). */
function membersOf(desc: Vmsd, version: number): Member[] {
  const out: Member[] = desc.fields.map((field) => ({ field, version }));
  for (const s of desc.subsections) if (s.nestedKey === undefined) out.push(...membersOf(s, s.version));
  return out;
}

function nestedSubsections(desc: Vmsd): Subsection[] {
  const out: Subsection[] = [];
  for (const s of desc.subsections) {
    if (s.nestedKey !== undefined) out.push(s);
    else out.push(...nestedSubsections(s));
  }
  return out;
}

interface Group {
  readonly countKey: string;
  readonly capacity: number;
  readonly arrays: { key: string; multiply: number; bytes: boolean }[];
}

function fieldArbitrary(
  m: Member,
  defaults: Obj,
  b: Build,
  prefix: string,
  groups: Map<string, Group>,
  countFields: Map<string, Field>,
): fc.Arbitrary<unknown> {
  const f = m.field;
  const key = f.key as string;
  const path = `${prefix}${key}`;
  const whole = option(b, path);
  if (whole) return whole;
  const fixed = fc.constant(defaults[key]).map((v) => structuredClone(v));
  // A field the stream version never carries stays at the receiver's value.
  if (f.existsIf === undefined && f.since > m.version) return fixed;
  const t = f.type;
  // "equal" members are configuration: only the receiver's value loads.
  if (t.kind === 'int' && t.check === 'equal') return fixed;
  const elementOverride = option(b, `${path}[]`);
  const element = (): fc.Arbitrary<unknown> => {
    if (t.kind === 'int' && t.check === 'le') {
      const limit = typeof defaults[key] === 'number' ? (defaults[key] as number) : 0;
      return fc.integer({ min: 0, max: Math.max(0, limit) });
    }
    return elementOverride ?? elementArbitrary(t, b, f.count.kind === 'one' ? path : `${path}[]`);
  };
  const c = f.count;
  if (t.kind === 'vbuffer') {
    if (typeof t.size === 'string')
      join(groups, t.size, countFields, { key, multiply: 1, bytes: true }, t.max);
    return element();
  }
  if (c.kind === 'one') {
    // One draw in four at an edge, so gates like `x !== 0` or `x > 1` are seen on both sides.
    const edges = elementOverride ? undefined : boundaryValues(t);
    const any = element();
    return edges
      ? fc.oneof({ arbitrary: any, weight: 3 }, { arbitrary: fc.constantFrom(...edges), weight: 1 })
      : any;
  }
  if (c.kind === 'fixed') return fc.array(element(), { minLength: c.n, maxLength: c.n });
  if (typeof c.from === 'string') {
    const max = join(groups, c.from, countFields, { key, multiply: c.multiply, bytes: false }, c.max);
    return fc
      .array(fc.array(element(), { minLength: c.multiply, maxLength: c.multiply }), { maxLength: max })
      .map((chunks) => chunks.flat());
  }
  // A receiver-side count: generate the capacity, cut to the count once the state is complete.
  const n = c.max * c.multiply;
  return fc.array(element(), { minLength: n, maxLength: n });
}

function join(
  groups: Map<string, Group>,
  countKey: string,
  countFields: Map<string, Field>,
  array: Group['arrays'][number],
  max: number,
): number {
  const capacity = Math.min(max, countCapacity(countFields.get(countKey)));
  const g = groups.get(countKey) ?? { countKey, capacity, arrays: [] };
  g.arrays.push(array);
  groups.set(countKey, { ...g, capacity: Math.min(g.capacity, capacity) });
  return capacity;
}

/** Sets every count member from the arrays it sizes (cut to the shortest), as the sender holds them. */
function applyCounts(obj: Obj, groups: Iterable<Group>, countFields: Map<string, Field>): void {
  for (const g of groups) {
    let k = g.capacity;
    for (const a of g.arrays) {
      const v = obj[a.key] as { length: number } | undefined;
      if (v !== undefined) k = Math.min(k, Math.floor(v.length / a.multiply));
    }
    for (const a of g.arrays) {
      const v = obj[a.key] as unknown[] | Uint8Array | undefined;
      if (v !== undefined && v.length !== k * a.multiply) obj[a.key] = v.slice(0, k * a.multiply);
    }
    const cf = countFields.get(g.countKey);
    obj[g.countKey] = cf?.type.kind === 'int' && cf.type.width === 8 ? BigInt(k) : k;
  }
}

function receiverCounts(obj: Obj, members: readonly Member[], ctx: MigrationContext): void {
  for (const { field: f } of members) {
    const c = f.count;
    if (c.kind !== 'var' || typeof c.from === 'string' || f.key === undefined) continue;
    const arr = obj[f.key];
    if (!Array.isArray(arr)) continue;
    try {
      const n = c.from(obj, ctx) * c.multiply;
      if (Number.isSafeInteger(n) && n >= 0 && n <= arr.length) obj[f.key] = arr.slice(0, n);
    } catch {
      // A count function that throws is the description's problem: the save reports it.
    }
  }
}

/** Gated members closed for this state and machine type hold the receiver's value, as loads leave them. */
function closeGates(
  obj: Obj,
  members: readonly Member[],
  defaults: Obj,
  ctx: MigrationContext,
  b: Build,
  prefix: string,
): void {
  for (const { field: f, version } of members) {
    if (f.existsIf === undefined || f.key === undefined || f.validator) continue;
    if (b.overrides[`${prefix}${f.key}`] !== undefined) continue;
    // The codec's rule (presence.ts); a predicate that throws keeps the generated value.
    const open = presentOrFailed(() => fieldExists(f, obj, ctx, version));
    if (!open) obj[f.key] = structuredClone(defaults[f.key]);
  }
}

function validatorsPass(obj: Obj, members: readonly Member[], ctx: MigrationContext): boolean {
  for (const { field: f, version } of members) {
    if (!f.validator) continue;
    try {
      if (!fieldExists(f, obj, ctx, version)) return false;
    } catch {
      // The save would fail (hook-failed): not a state the description saves.
      return false;
    }
  }
  return true;
}

/** What a receiver holds for subsection `s`'s members after a load of `obj` sent without it. */
function reconstructed(desc: Vmsd, s: Subsection, obj: Obj, ctx: MigrationContext): Obj | undefined {
  try {
    const bytes = save(withoutSubsection(desc, s), structuredClone(obj) as never, { ctx });
    return load(desc, bytes, { ctx }) as Obj;
  } catch {
    // States this description cannot save or reload keep their generated values.
    return undefined;
  }
}

function copyMembers(s: Subsection, from: Obj, to: Obj): void {
  for (const m of membersOf(s, s.version)) if (m.field.key !== undefined) to[m.field.key] = from[m.field.key];
}

/** The `boundary` class, on the raw values (before counts follow their arrays). */
function applyEdges(desc: Vmsd, values: Obj, classes: readonly ValueClass[], edges: Obj): Obj {
  const out = { ...values };
  desc.subsections.forEach((s, i) => {
    if (s.nestedKey !== undefined || classes[i] !== 'boundary') return;
    for (const m of membersOf(s, s.version)) {
      const k = m.field.key;
      if (k !== undefined && k in edges) out[k] = edges[k];
    }
  });
  return out;
}

/**
 * Applies the classes that need a complete state: `prevalent` and `implied` take a receiver's
 * reconstruction (of this state, or of `other`). A subsection behind a switched-off feature is
 * always prevalent.
 */
function applyReconstructions(
  desc: Vmsd,
  obj: Obj,
  other: Obj,
  classes: readonly ValueClass[],
  b: Build,
): void {
  const { ctx } = b;
  desc.subsections.forEach((s, i) => {
    if (s.nestedKey !== undefined) return;
    const cls = featureOff(s, obj, b) ? 'prevalent' : classes[i];
    if (cls !== 'prevalent' && cls !== 'implied') return;
    const rec = reconstructed(desc, s, cls === 'prevalent' ? obj : other, ctx);
    if (rec) copyMembers(s, rec, obj);
  });
}

/** A subsection whose `needed` reads a property listed in `switchesOff` that this machine type turns off. */
function featureOff(s: Subsection, obj: Obj, b: Build): boolean {
  const defaults = b.machineDefaults;
  if (defaults === undefined || s.dependsOn.length === 0 || !s.needed) return false;
  const off = s.dependsOn.some((p) => b.switchesOff.includes(p) && b.ctx.props[p] !== defaults[p]);
  return off && !presentOrFailed(() => subsectionNeeded(s, obj, b.ctx));
}

/** Edge values for the single scalar members of merged subsections (the `boundary` class). */
function edgeRecord(
  desc: Vmsd,
  b: Build,
  prefix: string,
  record: Readonly<Record<string, fc.Arbitrary<unknown>>>,
): Record<string, fc.Arbitrary<unknown>> {
  const out: Record<string, fc.Arbitrary<unknown>> = {};
  for (const s of desc.subsections) {
    if (s.nestedKey !== undefined) continue;
    for (const m of membersOf(s, s.version)) {
      const f = m.field;
      if (f.key === undefined || f.validator || f.count.kind !== 'one') continue;
      // Overridden members are used as given; count members follow their arrays.
      if (b.overrides[`${prefix}${f.key}`] !== undefined || !(f.key in record)) continue;
      const values = boundaryValues(f.type);
      if (values) out[f.key] = fc.constantFrom(...values);
    }
  }
  return out;
}

function structArbitrary(desc: Vmsd, version: number, b: Build, prefix: string): fc.Arbitrary<Obj> {
  if (b.depth > 16)
    fail('invalid-description', `${desc.name}: descriptions nest too deep to generate states`);
  b.depth++;
  try {
    const defaults = planOf(desc).initial();
    const members = membersOf(desc, version).filter((m) => m.field.key !== undefined && !m.field.validator);
    const all = membersOf(desc, version);
    const keyed = new Map<string, Field>();
    for (const m of members) keyed.set(m.field.key as string, m.field);
    const groups = new Map<string, Group>();
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const m of members)
      record[m.field.key as string] = fieldArbitrary(m, defaults, b, prefix, groups, keyed);
    const nested = nestedSubsections(desc);
    for (const s of nested) {
      const key = s.nestedKey as string;
      record[key] =
        option(b, `${prefix}${key}`) ??
        fc.option(structArbitrary(s, s.version, b, `${prefix}${key}.`), { nil: undefined });
    }
    // Count members follow their arrays (override the array to steer the count).
    for (const countKey of groups.keys()) delete record[countKey];
    const merged = desc.subsections.some((s) => s.nestedKey === undefined);
    const classes = desc.subsections.map((s) =>
      s.nestedKey === undefined ? valueClass(b.prevalent) : fc.constant<ValueClass>('arbitrary'),
    );
    const { ctx } = b;
    const complete = (values: Obj): Obj => {
      const obj: Obj = { ...defaults, ...values };
      // An absent nested subsection is an absent member, as loads leave it.
      for (const s of nested) if (obj[s.nestedKey as string] === undefined) delete obj[s.nestedKey as string];
      applyCounts(obj, groups.values(), keyed);
      receiverCounts(obj, members, ctx);
      closeGates(obj, all, defaults, ctx, b, prefix);
      return obj;
    };
    const values = fc.record(record);
    // Without merged subsections there is nothing to aim at: one state, no second draw.
    if (!merged) return values.map(complete).filter((obj) => validatorsPass(obj, all, ctx));
    const edges = fc.record(edgeRecord(desc, b, prefix, record));
    // The second state only feeds the `implied` class: never shrunk (that would be wasted steps).
    return fc
      .tuple(fc.tuple(...classes), values, edges, fc.noShrink(values))
      .map(([chosen, own, edge, second]) => {
        const obj = complete(applyEdges(desc, own, chosen, edge));
        applyReconstructions(desc, obj, chosen.includes('implied') ? complete(second) : obj, chosen, b);
        // A class whose values break one of the subsection's own checks falls back to prevalent.
        desc.subsections.forEach((s, i) => {
          if (s.nestedKey !== undefined || chosen[i] === 'prevalent') return;
          if (validatorsPass(obj, membersOf(s, s.version), ctx)) return;
          const rec = reconstructed(desc, s, obj, ctx);
          if (rec) copyMembers(s, rec, obj);
        });
        return obj;
      })
      .filter((obj) => validatorsPass(obj, all, ctx));
  } finally {
    b.depth--;
  }
}

/** `prevalent` with probability p, the other classes sharing the rest equally. */
function valueClass(p: number): fc.Arbitrary<ValueClass> {
  if (p >= 1) return fc.constant('prevalent');
  // Shrinks towards "prevalent": the simpler state.
  return fc.integer({ min: 0, max: 999 }).map((n): ValueClass => {
    if (n < p * 1000) return 'prevalent';
    const rest = Math.floor(((n - p * 1000) / (1000 - p * 1000)) * 3);
    return (['arbitrary', 'boundary', 'implied'] as const)[Math.min(2, rest)] as ValueClass;
  });
}

/** @internal Shared by {@link arbitraryFor} and the version-level generator. */
export function buildArbitrary(
  desc: Vmsd,
  options: ArbitraryOptions,
  prefix: string,
  used: Set<string>,
): fc.Arbitrary<Obj> {
  const b: Build = {
    ctx: options.ctx ?? defaultContext,
    overrides: options.overrides ?? {},
    used,
    prevalent: options.prevalent ?? 0.5,
    machineDefaults: options.machineDefaults,
    switchesOff: options.switchesOff ?? [],
    depth: 0,
  };
  return structArbitrary(desc, options.version ?? desc.version, b, prefix);
}

/** @internal Fails on override paths no member matched (a typo would otherwise be ignored). */
export function checkOverridesUsed(
  overrides: Readonly<Record<string, unknown>> | undefined,
  used: Set<string>,
): void {
  const unknown = Object.keys(overrides ?? {}).filter((p) => !used.has(p));
  if (unknown.length > 0) {
    fail('invalid-value', `override path(s) match no member: ${unknown.join(', ')}`, {
      details: { unknown },
    });
  }
}

/**
 * A fast-check arbitrary of states the description can save under `ctx` and load back unchanged:
 * integers in range (64-bit as bigint), buffers of their size, variable arrays within `max` with
 * their count member set to match, nested structs at their own version, subsection members merged
 * into the parent, `equal` members at the receiver's default, fields beyond `version` or behind a
 * closed `existsIf` at their default, validators respected. Subsection members are either arbitrary
 * or, with probability `prevalent`, what the receiver reconstructs without the subsection.
 */
export function arbitraryFor<D extends Vmsd>(
  desc: D,
  options: ArbitraryOptions = {},
): fc.Arbitrary<Infer<D>> {
  const used = new Set<string>();
  const arb = buildArbitrary(desc, options, '', used);
  checkOverridesUsed(options.overrides, used);
  return arb as fc.Arbitrary<Infer<D>>;
}
