import { nodesOf, type VmdescBody, type VmdescField } from '../../codec/index.js';
import {
  type AnyElementType,
  array,
  bool,
  buffer,
  type Field,
  fieldFromParts,
  gtree,
  type IntType,
  int8,
  int16,
  int32,
  int64,
  qlist,
  qtailq,
  type Subsection,
  struct,
  subsectionFromParts,
  timer,
  tmp,
  uint8,
  uint16,
  uint32,
  uint64,
  type Vmsd,
  vmsdFromParts,
  vstruct,
} from '../../describe/index.js';
import { fail } from '../../errors/index.js';
import { hasCollections } from './vmdesc-nodes.js';

/** The whole trailing JSON of a stream (spec §13.2). */
export interface Vmdesc {
  page_size: number;
  configuration?: VmdescBody;
  devices: VmdescEntry[];
}

/** A `devices[]` entry: a VMState-encoded section, or an open-coded one described only by size. */
export type VmdescEntry =
  | ({ name: string; instance_id: number } & VmdescBody)
  | { name: string; instance_id: number; size: number; fields: VmdescField[] };

const INTS: Record<string, IntType> = { uint8, uint16, uint32, uint64, int8, int16, int32, int64 };

/** vmdesc names of codecs that are plain integers plus a receiver-side check we cannot apply here. */
const CHECKED_INTS: Record<string, IntType> = {
  'uint8 equal': uint8,
  'uint16 equal': uint16,
  'uint32 equal': uint32,
  'int32 equal': int32,
  'int64 equal': uint64,
  'int32 le': int32,
};

function elementType(f: VmdescField, path: string[]): AnyElementType {
  const plain = INTS[f.type];
  if (plain && plain.width === f.size) return plain;
  const checked = CHECKED_INTS[f.type];
  if (checked && checked.width === f.size) {
    // Same bytes; the check needs the receiver's value, which an analysis has not got.
    return Object.freeze({ ...checked, typeName: f.type });
  }
  if (f.type === 'bool' && f.size === 1) return bool;
  if (f.type === 'timer' && f.size === 8) return timer;
  if (f.type === 'struct') {
    if (!f.struct) fail('invalid-description', `struct field "${f.name}" has no "struct" member`, { path });
    // 7.2 describes a NULL slot of an array of pointers as `"struct": {}`: its bytes (the 0x30 marker).
    if (!hasBody(f.struct)) return buffer(f.size, 'struct');
    return struct(fromVmdescBody(f.struct, [...path, f.name]));
  }
  if ((f.type === 'tmp' || f.type === 'vstruct') && f.vmsd_name !== undefined && Array.isArray(f.fields)) {
    const inner = fromVmdescBody(
      {
        vmsd_name: f.vmsd_name,
        version: f.version ?? 0,
        fields: f.fields,
        ...(f.subsections ? { subsections: f.subsections } : {}),
      },
      [...path, f.name],
    );
    return f.type === 'tmp'
      ? { ...tmp(inner), structVersion: f.version ?? 0 }
      : vstruct(inner, f.version ?? 0);
  }
  if (f.type === 'qtailq' || f.type === 'qlist' || f.type === 'gtree') {
    const typed = collectionFromVmdesc(f, [...path, f.name]);
    if (typed) return typed;
  }
  // Anything else (buffer, pci config, pci irq state, a gtree, …) is carried as its bytes, with
  // any nested members QEMU wrote into the entry, so describing it again gives the same entry.
  const bytes = buffer(f.size, f.type);
  const inline = inlineMembers(f);
  return inline ? Object.freeze({ ...bytes, inline }) : bytes;
}

const OWN_MEMBERS = new Set(['name', 'type', 'size', 'array_len', 'index', 'struct']);

function inlineMembers(f: VmdescField): Record<string, unknown> | undefined {
  if (f.vmsd_name === undefined) return undefined;
  return Object.fromEntries(Object.entries(f).filter(([k]) => !OWN_MEMBERS.has(k)));
}

/** The bytes a vmdesc body describes: its fields, then each subsection's header and body. */
function bodyBytes(b: VmdescBody): number {
  let total = 0;
  for (const f of b.fields) total += (f.array_len ?? 1) * f.size;
  for (const s of b.subsections ?? []) total += 1 + 1 + s.vmsd_name.length + 4 + bodyBytes(s);
  return total;
}

const sum = (bodies: readonly VmdescBody[]) => bodies.reduce((n, b) => n + bodyBytes(b), 0);

/**
 * A qtailq, qlist or gtree from its vmdesc entry, when the entry says what every element was:
 * QEMU's text repeats each element's members (kept by parseVmdesc), and so does our own save.
 * Each element gets its own layout, checked against the field's size; a tree's bodies are
 * values only (direct keys, be64) or key, value pairs, and only one of the two fits the size.
 * Otherwise (an empty list, a JSON.parse'd entry that kept only the last element) the caller
 * carries the bytes.
 */
function collectionFromVmdesc(f: VmdescField, path: string[]): AnyElementType | undefined {
  const nodes = nodesOf(f);
  if (!nodes || nodes.length === 0) return undefined;
  const bodies = nodes.flatMap((n) => (n.key ? [n.key, n.value] : [n.value]));
  // Elements of one layout (most of them) share one description, so each compiles once; not
  // when they nest lists, whose per-element layouts the JSON text does not show.
  const seen = new Map<string, Vmsd>();
  const describe = (b: VmdescBody, i: number): Vmsd => {
    const key = JSON.stringify(b);
    if (hasCollections(key)) return fromVmdescBody(b, [...path, String(i)]);
    let d = seen.get(key);
    if (!d) {
      d = fromVmdescBody(b, [...path, String(i)]);
      seen.set(key, d);
    }
    return d;
  };
  if (f.type !== 'gtree') {
    if (1 + bodies.length + sum(bodies) !== f.size) return undefined;
    const layouts = bodies.map(describe);
    const make = f.type === 'qtailq' ? qtailq : qlist;
    return Object.freeze({ ...make(layouts[0] as Vmsd, { max: layouts.length }), layouts });
  }
  const m = bodies.length;
  let layouts: { key?: Vmsd; value: Vmsd }[];
  if (4 + 1 + 9 * m + sum(bodies) === f.size) layouts = bodies.map((b, i) => ({ value: describe(b, i) }));
  else if (m % 2 === 0 && 4 + 1 + m / 2 + sum(bodies) === f.size) {
    layouts = [];
    for (let i = 0; i < m; i += 2) {
      layouts.push({
        key: describe(bodies[i] as VmdescBody, i / 2),
        value: describe(bodies[i + 1] as VmdescBody, i / 2),
      });
    }
  } else return undefined;
  const first = layouts[0] as { key?: Vmsd; value: Vmsd };
  const tree = first.key
    ? gtree({ key: first.key, value: first.value, max: layouts.length })
    : gtree({ key: 'direct', value: first.value, max: layouts.length });
  return Object.freeze({ ...tree, layouts });
}

function hasBody(b: VmdescBody | undefined): b is VmdescBody {
  return b !== undefined && Array.isArray(b.fields);
}

/** Subsections of array elements may differ per element; the description holds the union. */
function mergeBodies(bodies: VmdescBody[]): VmdescBody {
  const first = bodies[0] as VmdescBody;
  const subs: VmdescBody[] = [];
  const byName = new Map<string, VmdescBody[]>();
  for (const b of bodies) {
    for (const s of b.subsections ?? []) {
      const list = byName.get(s.vmsd_name);
      if (list) list.push(s);
      else {
        byName.set(s.vmsd_name, [s]);
        subs.push(s);
      }
    }
  }
  const merged = subs.map((s) => mergeBodies(byName.get(s.vmsd_name) as VmdescBody[]));
  return { ...first, ...(merged.length > 0 ? { subsections: merged } : {}) };
}

/**
 * Builds a description from a vmdesc body, so a stream can be decoded (and written back byte for
 * byte) with nothing but its own trailing JSON. Subsections nest under their names, present only
 * when they arrived; padding keeps its bytes; unknown codecs are carried as bytes by size.
 */
export function fromVmdescBody(body: VmdescBody, path: string[] = []): Vmsd<Record<string, unknown>> {
  const here = [...path, body.vmsd_name];
  const fields: Field[] = [];
  const list = body.fields;
  for (let i = 0; i < list.length; i++) {
    const f = list[i] as VmdescField;
    if (f.index !== undefined) {
      // An array QEMU described element by element: collect the run 0, 1, 2, …
      const run: VmdescField[] = [f];
      while (i + 1 < list.length && list[i + 1]?.name === f.name && list[i + 1]?.index === run.length) {
        run.push(list[++i] as VmdescField);
      }
      // QEMU 9.2+ writes "index" only while more elements follow: the last one has neither
      // "index" nor "array_len" (vmsd_desc_field_start is given the elements left, not the count).
      const last = list[i + 1];
      if (last?.name === f.name && last.index === undefined && last.array_len === undefined) {
        run.push(last);
        i++;
      }
      if (f.index !== 0)
        fail('invalid-description', `array "${f.name}" starts at index ${f.index}`, { path: here });
      const bodies = run.map((e) => e.struct);
      const withBody = bodies.filter(hasBody).length;
      if (f.type === 'struct' && withBody > 0 && withBody < run.length) {
        fail(
          'invalid-description',
          `array "${f.name}" mixes NULL pointer slots and structs (7.2 vmdesc quirk)`,
          {
            path: here,
          },
        );
      }
      const element =
        f.type === 'struct' && withBody > 0
          ? struct(fromVmdescBody(mergeBodies(bodies as VmdescBody[]), [...here, f.name]))
          : elementType(f, here);
      const spec = array(element, run.length);
      // QEMU wrote this array with an index per element; a field predicate (always true) keeps it so.
      fields.push({
        ...fieldFromParts({ name: f.name, key: f.name, type: spec.element, count: spec.count }),
        existsIf: () => true,
      });
      continue;
    }
    if (f.type === 'unused_buffer') {
      fields.push(
        fieldFromParts({ name: f.name, key: f.name, type: buffer(f.size, 'unused_buffer'), unused: true }),
      );
      continue;
    }
    const element = elementType(f, here);
    if (f.array_len !== undefined) {
      const spec = array(element, f.array_len);
      fields.push(fieldFromParts({ name: f.name, key: f.name, type: spec.element, count: spec.count }));
    } else fields.push(fieldFromParts({ name: f.name, key: f.name, type: element }));
  }
  const subsections: Subsection[] = (body.subsections ?? []).map((s) => {
    const inner = fromVmdescBody(s, here);
    return subsectionFromParts(s.vmsd_name, {
      version: s.version,
      minimumVersion: 0,
      fields: inner.fields,
      subsections: inner.subsections,
      nestedKey: s.vmsd_name,
    });
  });
  return vmsdFromParts(body.vmsd_name, { version: body.version, minimumVersion: 0, fields, subsections });
}

/** True for vmdesc entries of open-coded sections (no vmsd, just a size). */
export function isOpenCoded(
  entry: VmdescEntry,
): entry is { name: string; instance_id: number; size: number; fields: VmdescField[] } {
  return !('vmsd_name' in entry);
}
