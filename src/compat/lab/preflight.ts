import { fieldExists, initial, planOf, sectionNeeded, subsectionNeeded } from '../../codec/index.js';
import {
  type AnyElementType,
  type Field,
  fixedWidth,
  type MigrationContext,
  type Vmsd,
} from '../../describe/index.js';
import { type ForeseeableLoadFailure, MigrationError, type PathSegment } from '../../errors/index.js';
import { pathText, sameValue } from './values.js';
import type { ReleasedVersion, VersionState } from './versions.js';

type Obj = Record<string, unknown>;

/** One reason a migration would not go well, found without serializing anything. */
export interface PreflightIssue {
  /** The load failure it foresees (the codec's own code), or the pre-flight's own. */
  readonly code: ForeseeableLoadFailure | 'machine-unsupported' | 'layout-mismatch' | 'moved';
  /** Section key first, then fields, indices and subsection names. */
  readonly path: readonly PathSegment[];
  readonly message: string;
}

export interface Preflight {
  /** No refusal and nothing that would be misread. */
  readonly ok: boolean;
  /** Certain refusals: the destination would fail the load with this code. */
  readonly refusals: readonly PreflightIssue[];
  /** The destination would read bytes into another member or misalign: refused or silently wrong. */
  readonly unsafe: readonly PreflightIssue[];
  /** Members off their reset value that the destination has no member for: they would be dropped. */
  readonly lost: readonly { readonly path: string; readonly value: unknown }[];
}

export interface Route {
  readonly from: ReleasedVersion;
  readonly to: ReleasedVersion;
  /** The machine type the migration runs under: `machines.context(name)`. */
  readonly ctx: MigrationContext;
}

interface Item {
  readonly field: Field;
  /** Elements on the wire (NaN when a count cannot be computed). */
  readonly count: number;
}

function countOf(f: Field, obj: Obj, ctx: MigrationContext): number {
  const c = f.count;
  if (c.kind === 'one') return 1;
  if (c.kind === 'fixed') return c.n;
  try {
    const raw = typeof c.from === 'string' ? obj[c.from] : c.from(obj, ctx);
    const n = typeof raw === 'bigint' ? Number(raw) : raw;
    return typeof n === 'number' && Number.isSafeInteger(n) ? n * c.multiply : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The fields present on the wire for this state at this version, in order. */
function items(desc: Vmsd, obj: Obj, ctx: MigrationContext, version: number): Item[] {
  return desc.fields
    .filter((f) => !f.validator && fieldExists(f, obj, ctx, version))
    .map((field) => ({ field, count: countOf(field, obj, ctx) }));
}

/** What one element looks like on the wire: equal signatures read the same bytes the same way. */
function signature(t: AnyElementType): string {
  switch (t.kind) {
    case 'int':
      return `${t.signed ? 'i' : 'u'}${t.width * 8}`;
    case 'bool':
      return 'bool';
    case 'timer':
    case 'double':
      return t.kind;
    case 'buffer':
      return `bytes${t.size}`;
    case 'vbuffer':
      return 'vbytes';
    case 'struct':
      return 'struct';
    case 'pointer':
      return `ptr(${signature(t.target)})`;
    case 'queue':
      return `${t.typeName}(${t.element.name})`;
    case 'gtree':
      return `gtree(${t.key ? t.key.name : 'direct'}, ${t.value.name})`;
  }
}

class Walk {
  readonly refusals: PreflightIssue[] = [];
  readonly unsafe: PreflightIssue[] = [];

  constructor(readonly ctx: MigrationContext) {}

  /** Pairs what the source writes with what the destination reads, field by field, then subsections. */
  body(src: Vmsd, dst: Vmsd, obj: Obj, srcVersion: number, dstVersion: number, path: PathSegment[]): void {
    const a = items(src, obj, this.ctx, srcVersion);
    const b = items(dst, obj, this.ctx, dstVersion);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const x = a[i];
      const y = b[i];
      if (!x || !y) {
        const extra = (x ?? y) as Item;
        this.unsafe.push({
          code: 'layout-mismatch',
          path: [...path, extra.field.name],
          message: x
            ? `the source writes ${x.field.name}, the destination expects nothing more`
            : `the destination expects ${extra.field.name}, which the source does not write`,
        });
        return;
      }
      if (!this.pair(x, y, obj, dst, path)) return;
    }
    this.subsections(src, dst, obj, path);
  }

  /** Returns false when the two sides no longer line up. */
  private pair(x: Item, y: Item, obj: Obj, dst: Vmsd, path: PathSegment[]): boolean {
    const fx = x.field;
    const fy = y.field;
    const at = [...path, fy.key ?? fy.name];
    const padding = fx.unused || fy.unused;
    const sameShape = padding
      ? fixedWidth(fx.type) !== undefined &&
        (fixedWidth(fx.type) as number) * x.count === (fixedWidth(fy.type) ?? -1) * y.count
      : signature(fx.type) === signature(fy.type) && x.count === y.count;
    if (!sameShape) {
      this.unsafe.push({
        code: 'layout-mismatch',
        path: at,
        message: `the source writes ${fx.name} (${describe(fx, x.count)}) where the destination reads ${fy.name} (${describe(fy, y.count)})`,
      });
      return false;
    }
    if (padding) return true;
    const kx = fx.key;
    const ky = fy.key;
    if (kx !== undefined && ky !== undefined && kx !== ky) {
      this.unsafe.push({ code: 'moved', path: at, message: `the value of ${kx} would be loaded into ${ky}` });
    }
    const value = kx === undefined ? undefined : obj[kx];
    const t = fy.type;
    if (!this.withinBounds(y, value, at)) return false;
    if (t.kind === 'int' && ky !== undefined) this.receiverChecks(t, dst, ky, value, at);
    const tx = fx.type.kind === 'pointer' ? fx.type.target : fx.type;
    const ty = t.kind === 'pointer' ? t.target : t;
    if (tx.kind === 'struct' && ty.kind === 'struct') {
      const elements = fx.count.kind === 'one' ? [value] : Array.isArray(value) ? value : [];
      elements.forEach((e, i) => {
        if (e === null || typeof e !== 'object') return;
        const where = fx.count.kind === 'one' ? at : [...at, i];
        this.body(tx.vmsd, ty.vmsd, e as Obj, tx.vmsd.version, ty.structVersion ?? ty.vmsd.version, where);
      });
    }
    return true;
  }

  /** The destination's declared maxima; false (a refusal noted) when the value exceeds one. */
  private withinBounds(y: Item, value: unknown, at: PathSegment[]): boolean {
    const fy = y.field;
    const t = fy.type;
    let exceeded: string | undefined;
    if (fy.count.kind === 'var' && y.count / fy.count.multiply > fy.count.max) {
      exceeded = `${y.count} elements exceed the destination's max ${fy.count.max}`;
    } else if ((t.kind === 'queue' || t.kind === 'gtree') && Array.isArray(value) && value.length > t.max) {
      exceeded = `${value.length} ${t.typeName} element(s) exceed the destination's max ${t.max}`;
    } else if (t.kind === 'vbuffer') {
      const n = value instanceof Uint8Array ? value.length : 0;
      if (n > t.max) exceeded = `${n} bytes exceed the destination's max ${t.max}`;
    }
    if (exceeded === undefined) return true;
    this.refusals.push({ code: 'bound-exceeded', path: at, message: exceeded });
    return false;
  }

  /** `equal` and `le` integers compare against the receiver's own values (its configuration). */
  private receiverChecks(
    t: Extract<AnyElementType, { kind: 'int' }>,
    dst: Vmsd,
    ky: string,
    value: unknown,
    at: PathSegment[],
  ): void {
    if (t.check === undefined) return;
    const receiver = resetOf(dst);
    if (t.check === 'equal' && !sameValue(value, receiver[ky])) {
      this.refusals.push({
        code: 'not-equal',
        path: at,
        message: `${String(value)} must equal the destination's ${String(receiver[ky])}`,
      });
    }
    if (t.check === 'le') {
      const limit = receiver[ky] as number;
      const v = value as number;
      if (!(v >= 0 && v <= limit)) {
        this.refusals.push({
          code: 'not-less-or-equal',
          path: at,
          message: `${String(v)} is not within 0..${limit}`,
        });
      }
    }
  }

  private subsections(src: Vmsd, dst: Vmsd, obj: Obj, path: PathSegment[]): void {
    for (const s of src.subsections) {
      if (!subsectionNeeded(s, obj, this.ctx)) continue;
      const at = [...path, s.name];
      const d = dst.subsections.find((x) => x.name === s.name);
      if (!d) {
        this.refusals.push({
          code: 'unknown-subsection',
          path: at,
          message: `the destination does not know subsection ${s.name}`,
        });
        continue;
      }
      if (!this.versionFits(s, d, at)) continue;
      const target = s.nestedKey === undefined ? obj : (obj[s.nestedKey] as Obj);
      this.body(s, d, target, s.version, s.version, at);
    }
  }

  versionFits(src: Vmsd, dst: Vmsd, at: PathSegment[]): boolean {
    if (src.version > dst.version) {
      this.refusals.push({
        code: 'version-too-new',
        path: at,
        message: `version ${src.version} is above the destination's ${dst.version}`,
      });
      return false;
    }
    if (src.version < dst.minimumVersion) {
      this.refusals.push({
        code: 'version-too-old',
        path: at,
        message: `version ${src.version} is below the destination's minimum ${dst.minimumVersion}`,
      });
      return false;
    }
    return true;
  }
}

function describe(f: Field, count: number): string {
  const n = f.count.kind === 'one' ? '' : ` × ${count}`;
  return `${f.unused ? 'padding' : f.type.typeName}${n}`;
}

/** Fields whose member lands on this object, including merged subsections' (not nested ones). */
function memberFields(desc: Vmsd, out = new Map<string, Field>()): Map<string, Field> {
  for (const f of desc.fields) if (f.key !== undefined && !f.validator && !out.has(f.key)) out.set(f.key, f);
  for (const s of desc.subsections) if (s.nestedKey === undefined) memberFields(s, out);
  return out;
}

const resets = new WeakMap<Vmsd, Obj>();

/**
 * A description's reset state, built once and only when a member has no counterpart (building it
 * allocates every buffer: a pre-flight between layouts that match must not pay for that).
 */
function resetOf(desc: Vmsd): Obj {
  let reset = resets.get(desc);
  if (!reset) {
    reset = planOf(desc).initial() as Obj;
    resets.set(desc, reset);
  }
  return reset;
}

/** Members off their reset value that `dst` cannot hold. */
function lostMembers(
  src: Vmsd,
  dst: Vmsd,
  obj: Obj,
  path: PathSegment[],
  out: { path: string; value: unknown }[],
): void {
  const theirs = memberFields(dst);
  for (const [key, f] of memberFields(src)) {
    const value = obj[key];
    const other = theirs.get(key);
    if (!other) {
      if (!sameValue(value, resetOf(src)[key])) out.push({ path: pathText([...path, key]), value });
      continue;
    }
    const tx = f.type.kind === 'pointer' ? f.type.target : f.type;
    const ty = other.type.kind === 'pointer' ? other.type.target : other.type;
    if (tx.kind !== 'struct' || ty.kind !== 'struct') continue;
    const elements = f.count.kind === 'one' ? [value] : Array.isArray(value) ? value : [];
    elements.forEach((e, i) => {
      if (e !== null && typeof e === 'object') {
        lostMembers(
          tx.vmsd,
          ty.vmsd,
          e as Obj,
          f.count.kind === 'one' ? [...path, key] : [...path, key, i],
          out,
        );
      }
    });
  }
}

/**
 * Pre-flight: would `state` (of `route.from`) migrate to `route.to` under `route.ctx`? Walks the
 * descriptions with the live state, evaluating `needed` and gates as the sender would, but
 * serializes nothing and never touches buffer contents: cheap enough to call before every
 * migration. Hooks are not run, so a refusal by a `postLoad` is not predicted.
 */
export function canMigrate(state: VersionState, route: Route): Preflight {
  const { from, to, ctx } = route;
  const walk = new Walk(ctx);
  const lost: { path: string; value: unknown }[] = [];
  if (!to.machines.includes(ctx.machine)) {
    walk.refusals.push({
      code: 'machine-unsupported',
      path: [],
      message: `${to.name} does not support machine type "${ctx.machine}"`,
    });
  }
  const targets = new Map(to.sections.map((s) => [s.key, s]));
  for (const s of from.sections) {
    const obj = (state[s.key] ?? initial(s.vmsd)) as Obj;
    // A predicate that throws fails the save (the codec's rule, presence.ts): a certain refusal.
    const failed = (e: unknown): void => {
      if (!(e instanceof MigrationError)) throw e;
      const issue = e.issues[0];
      walk.refusals.push({ code: 'hook-failed', path: [s.key], message: issue?.message ?? e.message });
    };
    let sent: boolean;
    try {
      sent = sectionNeeded(s.vmsd, obj, ctx);
    } catch (e) {
      failed(e);
      continue;
    }
    const t = targets.get(s.key);
    if (!t) {
      if (sent) {
        walk.refusals.push({
          code: 'unknown-section',
          path: [s.key],
          message: `${to.name} does not know section ${s.key}`,
        });
      }
      continue;
    }
    lostMembers(s.vmsd, t.vmsd, obj, [s.key], lost);
    if (!sent || !walk.versionFits(s.vmsd, t.vmsd, [s.key])) continue;
    try {
      walk.body(s.vmsd, t.vmsd, obj, s.vmsd.version, s.vmsd.version, [s.key]);
    } catch (e) {
      failed(e);
    }
  }
  return {
    ok: walk.refusals.length === 0 && walk.unsafe.length === 0,
    refusals: walk.refusals,
    unsafe: walk.unsafe,
    lost,
  };
}
