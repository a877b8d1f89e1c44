import type { CheckDescription, CheckField, CheckSubsection } from './model.js';

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Every property of two fields is equal, nested descriptions included. */
function sameField(a: CheckField, b: CheckField): boolean {
  return (
    a.name === b.name &&
    a.since === b.since &&
    a.conditional === b.conditional &&
    a.existsUnderMachine === b.existsUnderMachine &&
    a.size === b.size &&
    a.count === b.count &&
    a.varray === b.varray &&
    a.vbuffer === b.vbuffer &&
    a.type === b.type &&
    a.unused === b.unused &&
    a.pointer === b.pointer &&
    a.loadVersion === b.loadVersion &&
    (a.struct === b.struct ||
      (a.struct !== undefined && b.struct !== undefined && sameDescription(a.struct, b.struct)))
  );
}

function sameByMachine(
  a: Readonly<Record<string, boolean | null>> | undefined,
  b: Readonly<Record<string, boolean | null>> | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && a[k] === b[k]);
}

function sameSubsection(a: CheckSubsection, b: CheckSubsection): boolean {
  return (
    a.sent === b.sent &&
    a.neededUnderMachine === b.neededUnderMachine &&
    sameStrings(a.dependsOn, b.dependsOn) &&
    sameByMachine(a.neededByMachine, b.neededByMachine) &&
    sameDescription(a, b)
  );
}

/**
 * Two descriptions are equal in everything the checker looks at (exits at the first difference).
 * Identical subtrees are skipped with it, which keeps a full QEMU dump against itself fast.
 */
export function sameDescription(a: CheckDescription, b: CheckDescription): boolean {
  if (a === b) return true;
  if (
    a.name !== b.name ||
    a.version !== b.version ||
    a.minimumVersion !== b.minimumVersion ||
    a.fields.length !== b.fields.length ||
    a.subsections.length !== b.subsections.length
  ) {
    return false;
  }
  for (let i = 0; i < a.fields.length; i++) {
    if (!sameField(a.fields[i] as CheckField, b.fields[i] as CheckField)) return false;
  }
  for (let i = 0; i < a.subsections.length; i++) {
    if (!sameSubsection(a.subsections[i] as CheckSubsection, b.subsections[i] as CheckSubsection))
      return false;
  }
  return true;
}

/** Counts agree where both inputs record them. */
function sameCount(a: CheckField, b: CheckField): boolean {
  if (a.varray !== b.varray) return false;
  return a.count === undefined || b.count === undefined || a.count === b.count;
}

/** Same element on the wire: size, padding, type where both know it. Not for structs. */
function sameLeaf(a: CheckField, b: CheckField): boolean {
  return (
    a.size === b.size &&
    a.unused === b.unused &&
    a.vbuffer === b.vbuffer &&
    a.pointer === b.pointer &&
    (a.type === undefined || b.type === undefined || a.type === b.type)
  );
}

/**
 * "Same type and size": what makes two fields at the same place interchangeable on the wire.
 * Nested descriptions count as the same type when they have the same name or the same content.
 */
export function sameShape(a: CheckField, b: CheckField): boolean {
  if (!sameCount(a, b)) return false;
  if (a.struct || b.struct) {
    if (!a.struct || !b.struct) return false;
    if (a.struct.name === b.struct.name || sameDescription(a.struct, b.struct)) return true;
    const la = leavesOf(a);
    const lb = leavesOf(b);
    return la !== undefined && lb !== undefined && sameLeaves(la, lb);
  }
  return sameLeaf(a, b);
}

/** The version a nested description is read at: vstruct/tmp say so, a plain struct uses its own. */
export function nestedVersion(f: CheckField): number {
  return f.loadVersion ?? f.struct?.version ?? 0;
}

/** Whether the field is written at this stream version (conditional fields: maybe, so yes). */
export function onWire(f: CheckField, version: number): boolean {
  if (f.conditional) return f.existsUnderMachine ?? true;
  return f.since <= version;
}

const leafCache = new WeakMap<CheckField, readonly CheckField[] | null>();

/**
 * The field as a flat list of leaf elements, when that is fixed: a struct without subsections or
 * conditional fields is its fields' bytes and nothing else (nested structs have no framing).
 * `undefined` when the layout depends on values. A count the input does not record counts as 1.
 */
export function leavesOf(f: CheckField): readonly CheckField[] | undefined {
  const cached = leafCache.get(f);
  if (cached !== undefined) return cached ?? undefined;
  const computed = computeLeaves(f);
  leafCache.set(f, computed ?? null);
  return computed;
}

function computeLeaves(f: CheckField): readonly CheckField[] | undefined {
  if (f.conditional || f.varray || f.pointer) return undefined;
  if (!f.struct) return [f];
  const one = flatDescription(f.struct, nestedVersion(f));
  if (one === undefined) return undefined;
  const n = f.count ?? 1;
  const out: CheckField[] = [];
  for (let i = 0; i < n; i++) out.push(...one);
  return out;
}

function flatDescription(d: CheckDescription, version: number): CheckField[] | undefined {
  if (d.subsections.length > 0) return undefined;
  const out: CheckField[] = [];
  for (const f of d.fields) {
    if (!f.conditional && f.since > version) continue;
    const leaves = leavesOf(f);
    if (leaves === undefined) return undefined;
    out.push(...leaves);
  }
  return out;
}

/** Bytes on the wire when fixed: padding and plain fields; `undefined` when values decide. */
export function fixedBytes(f: CheckField): number | undefined {
  if (f.struct || f.conditional || f.varray || f.vbuffer || f.pointer) return undefined;
  return f.size * (f.count ?? 1);
}

export function sameLeaves(a: readonly CheckField[], b: readonly CheckField[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as CheckField;
    const y = b[i] as CheckField;
    if (!sameCount(x, y) || !sameLeaf(x, y)) return false;
  }
  return true;
}
