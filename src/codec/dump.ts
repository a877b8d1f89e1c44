import { type Field, fixedWidth, type Vmsd } from '../describe/index.js';

/** One description in QEMU's `-dump-vmstate` shape (spec §14). */
export interface DumpDescription {
  name: string;
  version_id: number;
  minimum_version_id: number;
  Fields?: DumpField[];
  Subsections?: DumpDescription[];
}

export interface DumpField {
  field: string;
  version_id: number;
  field_exists: boolean;
  num?: number;
  size: number;
  Description?: DumpDescription;
}

/** The C element size QEMU reports; for structs we report the summed fixed size we can compute. */
function elementSize(f: Field): number {
  const t = f.type;
  switch (t.kind) {
    case 'vbuffer':
      return 0;
    case 'pointer':
      return 8;
    case 'struct':
      return structSize(t.vmsd);
    // QEMU reports sizeof the element (a tree: of its value).
    case 'queue':
      return structSize(t.element);
    case 'gtree':
      return structSize(t.value);
    default:
      return fixedWidth(t) ?? 0;
  }
}

/** The description QEMU nests under a field: structs, pointees, list elements, a tree's value. */
function nestedOf(f: Field): Vmsd | undefined {
  const t = f.type.kind === 'pointer' ? f.type.target : f.type;
  if (t.kind === 'struct') return t.vmsd;
  if (t.kind === 'queue') return t.element;
  if (t.kind === 'gtree') return t.value;
  return undefined;
}

function structSize(v: Vmsd): number {
  let total = 0;
  for (const f of v.fields) {
    if (f.validator) continue;
    const n = f.count.kind === 'one' ? 1 : f.count.kind === 'fixed' ? f.count.n : f.count.max;
    total += elementSize(f) * n;
  }
  return total;
}

/**
 * A description in the JSON form QEMU's `-dump-vmstate` prints, so our descriptions and QEMU's
 * go through the same checker. Validators are left out, as QEMU leaves out VMS_MUST_EXIST entries.
 */
export function toDumpVmstate(desc: Vmsd): DumpDescription {
  const out: DumpDescription = {
    name: desc.name,
    version_id: desc.version,
    minimum_version_id: desc.minimumVersion,
  };
  const fields = desc.fields.filter((f) => !f.validator);
  if (fields.length > 0) {
    out.Fields = fields.map((f) => {
      const entry: DumpField = {
        field: f.name,
        version_id: f.since,
        field_exists: f.existsIf !== undefined,
        ...(f.count.kind === 'fixed' ? { num: f.count.n } : {}),
        size: elementSize(f),
      };
      const nested = nestedOf(f);
      if (nested) entry.Description = toDumpVmstate(nested);
      return entry;
    });
  }
  if (desc.subsections.length > 0) out.Subsections = desc.subsections.map(toDumpVmstate);
  return out;
}
