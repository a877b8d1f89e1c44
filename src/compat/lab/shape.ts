import type { AnyElementType, Field, Vmsd } from '../../describe/index.js';
import type { PathSegment } from '../../errors/index.js';
import { sameValue } from './values.js';

/**
 * What a description can represent: the state members it reads and writes, nested as its structs
 * are. Two versions are compared only on members *both* describe: the lab calls a migration
 * UNSAFE when a member both sides describe differs after the load, never for state the
 * destination has no member for (that is reported as lost, not as corrupt).
 */
export type Shape =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'struct'; readonly members: ReadonlyMap<string, Shape> }
  | { readonly kind: 'array'; readonly element: Shape };

const LEAF: Shape = Object.freeze({ kind: 'leaf' });
const cache = new WeakMap<Vmsd, Shape>();

function elementShape(t: AnyElementType): Shape {
  if (t.kind === 'struct') return shapeOf(t.vmsd);
  if (t.kind === 'pointer') return elementShape(t.target);
  return LEAF;
}

function fieldShape(f: Field): Shape {
  const element = elementShape(f.type);
  return f.count.kind === 'one' ? element : { kind: 'array', element };
}

function merge(a: Shape | undefined, b: Shape): Shape {
  if (a === undefined) return b;
  if (a.kind === 'struct' && b.kind === 'struct') {
    const members = new Map(a.members);
    for (const [k, s] of b.members) members.set(k, merge(members.get(k), s));
    return { kind: 'struct', members };
  }
  return a;
}

/** The members a description describes: keyed fields, subsection members, nested structs. */
export function shapeOf(desc: Vmsd): Shape {
  const cached = cache.get(desc);
  if (cached) return cached;
  const members = new Map<string, Shape>();
  const shape: Shape = { kind: 'struct', members };
  // Registered first: recursive descriptions terminate.
  cache.set(desc, shape);
  for (const f of desc.fields) {
    if (f.key === undefined || f.validator) continue;
    members.set(f.key, merge(members.get(f.key), fieldShape(f)));
  }
  for (const s of desc.subsections) {
    const sub = shapeOf(s);
    if (s.nestedKey !== undefined) members.set(s.nestedKey, merge(members.get(s.nestedKey), sub));
    else if (sub.kind === 'struct')
      for (const [k, m] of sub.members) members.set(k, merge(members.get(k), m));
  }
  return shape;
}

/** The first place two states differ, on the members both shapes describe. */
export interface Difference {
  readonly path: readonly PathSegment[];
  /** The value on the first side (the source). */
  readonly expected: unknown;
  /** The value on the second side (the destination). */
  readonly actual: unknown;
}

/**
 * Compares `a` (described by `sa`) with `b` (described by `sb`) on the members both describe and
 * returns the first difference, or undefined when they agree.
 */
export function firstDifference(
  sa: Shape,
  sb: Shape,
  a: unknown,
  b: unknown,
  path: PathSegment[] = [],
): Difference | undefined {
  return differences(sa, sb, a, b, 1, path)[0];
}

/** Every place (up to `limit`) where two states differ on the members both shapes describe. */
export function differences(
  sa: Shape,
  sb: Shape,
  a: unknown,
  b: unknown,
  limit: number,
  path: PathSegment[] = [],
  out: Difference[] = [],
): Difference[] {
  if (out.length >= limit) return out;
  if (sa.kind === 'struct' && sb.kind === 'struct' && isObject(a) && isObject(b)) {
    for (const [k, ma] of sa.members) {
      const mb = sb.members.get(k);
      if (mb !== undefined) differences(ma, mb, a[k], b[k], limit, [...path, k], out);
      if (out.length >= limit) break;
    }
    return out;
  }
  if (sa.kind === 'array' && sb.kind === 'array' && Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push({ path, expected: a, actual: b });
    else
      for (let i = 0; i < a.length && out.length < limit; i++)
        differences(sa.element, sb.element, a[i], b[i], limit, [...path, i], out);
    return out;
  }
  if (!sameValue(a, b)) out.push({ path, expected: a, actual: b });
  return out;
}

/** Members `from` describes that `to` does not (state the destination cannot represent). */
export function unrepresented(from: Shape, to: Shape, path: PathSegment[] = []): PathSegment[][] {
  if (from.kind === 'struct' && to.kind === 'struct') {
    const out: PathSegment[][] = [];
    for (const [k, m] of from.members) {
      const other = to.members.get(k);
      if (other === undefined) out.push([...path, k]);
      else out.push(...unrepresented(m, other, [...path, k]));
    }
    return out;
  }
  if (from.kind === 'array' && to.kind === 'array')
    return unrepresented(from.element, to.element, [...path, '*']);
  return [];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}
