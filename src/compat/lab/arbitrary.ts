import fc from 'fast-check';
import { load, planOf, save } from '../../codec/index.js';
import {
  type AnyElementType,
  defaultContext,
  type Field,
  type Infer,
  type IntType,
  type MigrationContext,
  type PropValue,
  type Subsection,
  type Vmsd,
} from '../../describe/index.js';
import { fail } from '../../errors/index.js';
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
   * The properties of the newest machine type (`machines.defaults`). With them, a subsection that
   * declares `dependsOn` a property this machine type overrides, and whose `needed` is false for
   * the generated state, always takes its prevalent value: a compat property that turns a feature
   * off means the feature's state cannot move away from what receivers assume. Under the newest
   * type such subsections are generated freely, so their `needed` is still checked.
   */
  machineDefaults?: Readonly<Record<string, PropValue>>;
}

interface Build {
  readonly ctx: MigrationContext;
  readonly overrides: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  readonly used: Set<string>;
  readonly prevalent: number;
  readonly machineDefaults: Readonly<Record<string, PropValue>> | undefined;
  depth: number;
}

const INT_RANGE: Record<string, readonly [number, number]> = {
  uint8: [0, 0xff],
  uint16: [0, 0xffff],
  uint32: [0, 0xffffffff],
  int8: [-0x80, 0x7f],
  int16: [-0x8000, 0x7fff],
  int32: [-0x80000000, 0x7fffffff],
};
const BIG_RANGE: Record<string, readonly [bigint, bigint]> = {
  uint64: [0n, 0xffff_ffff_ffff_ffffn],
  int64: [-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn],
};

function intArbitrary(t: IntType): fc.Arbitrary<unknown> {
  if (t.width === 8) {
    const [min, max] = BIG_RANGE[t.int] as readonly [bigint, bigint];
    return fc.bigInt({ min, max });
  }
  const [min, max] = INT_RANGE[t.int] as readonly [number, number];
  return fc.integer({ min, max });
}

/** The largest count a count member of this type can hold. */
function countCapacity(f: Field | undefined): number {
  if (f === undefined || f.type.kind !== 'int') return Number.MAX_SAFE_INTEGER;
  if (f.type.width === 8) return Number.MAX_SAFE_INTEGER;
  return (INT_RANGE[f.type.int] as readonly [number, number])[1];
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
  if (c.kind === 'one') return element();
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
    let open = true;
    try {
      open = f.existsIf(obj, ctx, version) === true;
    } catch {
      open = true;
    }
    if (!open) obj[f.key] = structuredClone(defaults[f.key]);
  }
}

function validatorsPass(obj: Obj, members: readonly Member[], ctx: MigrationContext): boolean {
  for (const { field: f, version } of members) {
    if (!f.validator) continue;
    try {
      if (f.existsIf?.(obj, ctx, version) !== true) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Moves each chosen subsection's members to what a receiver reconstructs when that subsection is
 * not sent: save without it, load with the full description, copy its members back.
 */
function snapToPrevalent(desc: Vmsd, obj: Obj, chosen: readonly boolean[], b: Build): void {
  const { ctx } = b;
  desc.subsections.forEach((s, i) => {
    if (s.nestedKey !== undefined) return;
    if (!chosen[i] && !machineGateClosed(s, obj, b)) return;
    try {
      const bytes = save(withoutSubsection(desc, s), structuredClone(obj) as never, { ctx });
      const rec = load(desc, bytes, { ctx }) as Obj;
      for (const m of membersOf(s, s.version)) {
        if (m.field.key !== undefined) obj[m.field.key] = rec[m.field.key];
      }
    } catch {
      // States this description cannot save or reload keep their generated values.
    }
  });
}

/** A subsection whose `needed` reads a property this machine type overrides, and says no. */
function machineGateClosed(s: Subsection, obj: Obj, b: Build): boolean {
  const defaults = b.machineDefaults;
  if (defaults === undefined || s.dependsOn.length === 0 || !s.needed) return false;
  if (!s.dependsOn.some((p) => b.ctx.props[p] !== defaults[p])) return false;
  try {
    return s.needed(obj, b.ctx) !== true;
  } catch {
    return false;
  }
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
    const snapping = desc.subsections.map((s) =>
      s.nestedKey === undefined ? chance(b.prevalent) : fc.constant(false),
    );
    const { ctx } = b;
    return fc
      .tuple(fc.record(record), fc.tuple(...snapping))
      .map(([values, chosen]) => {
        const obj: Obj = { ...defaults, ...values };
        // An absent nested subsection is an absent member, as loads leave it.
        for (const s of nested)
          if (obj[s.nestedKey as string] === undefined) delete obj[s.nestedKey as string];
        applyCounts(obj, groups.values(), keyed);
        receiverCounts(obj, members, ctx);
        closeGates(obj, all, defaults, ctx, b, prefix);
        snapToPrevalent(desc, obj, chosen, b);
        return obj;
      })
      .filter((obj) => validatorsPass(obj, all, ctx));
  } finally {
    b.depth--;
  }
}

function chance(p: number): fc.Arbitrary<boolean> {
  if (p <= 0) return fc.constant(false);
  if (p >= 1) return fc.constant(true);
  // Shrinks towards "prevalent": the simpler state.
  return fc.integer({ min: 0, max: 999 }).map((n) => n < p * 1000);
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
