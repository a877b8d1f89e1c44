/**
 * The sender's description for a device-state stream. `xen-save-devices-state` writes no vmdesc
 * (the JSON a migration appends naming every field it sent, and the only place where the sender's
 * layout and names travel), and without it a checker must guess the sender's layout. This builds
 * the vmdesc QEMU would have written from the source QEMU's own `-dump-vmstate`, section by
 * section. A dump does not say which fields are variable (VARRAY, VBUFFER) or which `field_exists`
 * predicates hold: counts are best hinted first from a real vmdesc of the same QEMU (see
 * preflight-hints.ts); where the plain reading still does not tile the section's bytes exactly up
 * to its footer, a bounded search tries the fewest departures from it (a predicate false, an unnumbered
 * struct repeated k times, an unnumbered byte field as a buffer of 0 or 2^n bytes); subsections are found by name as QEMU finds them. A
 * section no reading tiles gets no entry.
 */
import type { VmdescBody, VmdescField } from '../codec/index.js';
import type { CheckDescription, CheckField, DescriptionSet } from '../compat/index.js';
import { MigrationError } from '../errors/index.js';
import { type OpaqueItem, readStream, type SectionItem } from '../stream/index.js';
import { VMDESC_MARKER } from '../stream/read/trailer.js';
import type { VmdescEntry } from '../stream/read/vmdesc.js';

const SUBSECTION_MARKER = 0x05;
const INT_TYPES: Readonly<Record<number, string>> = { 1: 'uint8', 2: 'uint16', 4: 'uint32', 8: 'uint64' };
/** Departures from the plain reading tried per section, and work allowed for the search. */
const MAX_DEPARTURES = 2;
const MAX_STEPS = 200_000;

interface Budget {
  steps: number;
}

interface Reading {
  readonly fields: readonly VmdescField[];
  readonly pos: number;
}

/** The description named `name` in the dump (section keys are QOM types; the stream says the vmsd name). */
function describedAs(source: DescriptionSet, name: string): CheckDescription | undefined {
  for (const s of source.sections.values()) if (s.description.name === name) return s.description;
  return undefined;
}

function be32(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}

/** Element counts tried for a struct that may be a variable array (a VARRAY of structs). */
const MAX_STRUCT_COUNT = 64;
/** Byte counts tried for an unnumbered byte field that may be a buffer (a VBUFFER): 0 and powers of two. */
const BUFFER_SIZES = [0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

/** Counts to try for a field, each with its cost in departures from the plain reading. */
function choices(f: CheckField, pos: number, end: number): { count: number; cost: number }[] {
  const plain = f.count ?? 1;
  const out = [{ count: plain, cost: 0 }];
  if (f.conditional) {
    // A predicate: the outcome the hints give first (from a real vmdesc of the same QEMU and
    // machine type); without hints both outcomes are plain readings, present first.
    if (f.existsUnderMachine === false)
      return [
        { count: 0, cost: 0 },
        { count: plain, cost: 1 },
      ];
    out.push({ count: 0, cost: f.existsUnderMachine === true ? 1 : 0 });
  } else if (f.count === undefined && f.struct !== undefined) {
    for (let k = 0; k <= MAX_STRUCT_COUNT; k++) if (k !== plain) out.push({ count: k, cost: 1 });
  } else if (f.count === undefined && f.size === 1) {
    for (const k of BUFFER_SIZES) if (k <= end - pos) out.push({ count: k, cost: 1 });
  }
  return out;
}

/**
 * Readings of `count` consecutive elements of a struct (departures shared across them). The
 * elements of one array have one layout: only their subsections may differ.
 */
function* elements(
  desc: CheckDescription,
  count: number,
  bytes: Uint8Array,
  pos: number,
  end: number,
  left: number,
  budget: Budget,
  layout?: string,
): Generator<{ bodies: VmdescBody[]; sizes: number[]; pos: number; left: number }> {
  if (count === 0) {
    yield { bodies: [], sizes: [], pos, left };
    return;
  }
  for (const e of readings(desc, desc.version, bytes, pos, end, left, budget)) {
    const mine = JSON.stringify(e.body.fields);
    if (layout !== undefined && mine !== layout) continue;
    for (const rest of elements(desc, count - 1, bytes, e.pos, end, e.left, budget, mine)) {
      yield {
        bodies: [e.body, ...rest.bodies],
        sizes: [e.pos - pos, ...rest.sizes],
        pos: rest.pos,
        left: rest.left,
      };
    }
  }
}

/** A struct field as QEMU's vmdesc has it: one entry with `array_len`, or one per element when they differ. */
function structFields(name: string, bodies: readonly VmdescBody[], sizes: readonly number[]): VmdescField[] {
  const first = bodies[0];
  if (first === undefined) return [];
  const same = bodies.every((b, i) => sizes[i] === sizes[0] && JSON.stringify(b) === JSON.stringify(first));
  if (same) {
    return [
      {
        name,
        ...(bodies.length !== 1 ? { array_len: bodies.length } : {}),
        type: 'struct',
        struct: first,
        size: sizes[0] ?? 0,
      },
    ];
  }
  return bodies.map((struct, index) => ({ name, index, type: 'struct', struct, size: sizes[index] ?? 0 }));
}

/**
 * The name QEMU's vmdesc gives field `i`: its own, or `name[n]` when several fields of the
 * description share the name (n counts them in order: `cur_offset[1]`, `config[0]`).
 */
export function wireName(fs: readonly { readonly name: string }[], i: number): string {
  const name = fs[i]?.name ?? '';
  let same = 0;
  let nth = 0;
  for (let j = 0; j < fs.length; j++) {
    if (fs[j]?.name !== name) continue;
    if (j < i) nth++;
    same++;
  }
  return same > 1 ? `${name}[${nth}]` : name;
}

/** Every reading of `fs[i..]` at `pos` with at most `left` departures, the plain reading first. */
function* fieldReadings(
  fs: readonly CheckField[],
  i: number,
  version: number,
  bytes: Uint8Array,
  pos: number,
  end: number,
  left: number,
  budget: Budget,
): Generator<Reading & { left: number }> {
  if (++budget.steps > MAX_STEPS || pos > end) return;
  const f = fs[i];
  if (f === undefined) {
    yield { fields: [], pos, left };
    return;
  }
  if (f.pointer || f.loadVersion !== undefined) return; // not modelled: no reading
  if (!f.conditional && f.since > version) {
    yield* fieldReadings(fs, i + 1, version, bytes, pos, end, left, budget);
    return;
  }
  for (const { count, cost } of choices(f, pos, end)) {
    if (cost > left) continue;
    if (count === 0 && f.conditional) {
      yield* fieldReadings(fs, i + 1, version, bytes, pos, end, left - cost, budget);
      continue;
    }
    if (f.struct !== undefined) {
      for (const e of elements(f.struct, count, bytes, pos, end, left - cost, budget)) {
        const mine = structFields(wireName(fs, i), e.bodies, e.sizes);
        for (const rest of fieldReadings(fs, i + 1, version, bytes, e.pos, end, e.left, budget)) {
          yield { fields: [...mine, ...rest.fields], pos: rest.pos, left: rest.left };
        }
      }
      continue;
    }
    const type = f.unused ? 'unused_buffer' : (f.type ?? INT_TYPES[f.size] ?? 'buffer');
    const field: VmdescField = {
      name: wireName(fs, i),
      ...(count !== 1 ? { array_len: count } : {}),
      type,
      size: f.size,
    };
    for (const rest of fieldReadings(
      fs,
      i + 1,
      version,
      bytes,
      pos + f.size * count,
      end,
      left - cost,
      budget,
    )) {
      yield { fields: [field, ...rest.fields], pos: rest.pos, left: rest.left };
    }
  }
}

/** Readings of a description: its fields, then the subsections QEMU would find by name. */
function* readings(
  desc: CheckDescription,
  version: number,
  bytes: Uint8Array,
  pos: number,
  end: number,
  left: number,
  budget: Budget,
): Generator<Reading & { body: VmdescBody; left: number }> {
  const headers = desc.subsections.map((s) => subsectionHeader(s.name));
  for (const r of fieldReadings(desc.fields, 0, version, bytes, pos, end, left, budget)) {
    // A subsection header of this description inside its fields: a wrong reading.
    const fields = Buffer.from(bytes.buffer, bytes.byteOffset + pos, r.pos - pos);
    if (headers.some((h) => fields.indexOf(h) >= 0)) continue;
    yield* subsectionReadings(desc, version, bytes, r, end, budget);
  }
}

/** `05`, name length, name: how a subsection starts on the wire. */
function subsectionHeader(name: string): Buffer {
  return Buffer.concat([Buffer.from([SUBSECTION_MARKER, name.length]), Buffer.from(name, 'latin1')]);
}

/** After the fields: the subsections QEMU would find by name, each read with the departures left. */
function* subsectionReadings(
  desc: CheckDescription,
  version: number,
  bytes: Uint8Array,
  r: Reading & { left: number },
  end: number,
  budget: Budget,
  subsections: readonly VmdescBody[] = [],
): Generator<Reading & { body: VmdescBody; left: number }> {
  const at = r.pos;
  const len = bytes[at + 1] ?? 0;
  const name =
    at < end && bytes[at] === SUBSECTION_MARKER
      ? Buffer.from(bytes.subarray(at + 2, at + 2 + len)).toString('latin1')
      : '';
  const sub = desc.subsections.find((s) => s.name === name);
  if (sub === undefined) {
    // No (further) subsection of ours here: the rest, if any, is the parent's, as QEMU decides.
    const body: VmdescBody = {
      vmsd_name: desc.name,
      version,
      fields: [...r.fields],
      ...(subsections.length > 0 ? { subsections: [...subsections] } : {}),
    };
    yield { fields: r.fields, pos: at, body, left: r.left };
    return;
  }
  for (const s of readings(sub, be32(bytes, at + 2 + len), bytes, at + 2 + len + 4, end, r.left, budget)) {
    yield* subsectionReadings(
      desc,
      version,
      bytes,
      { fields: r.fields, pos: s.pos, left: s.left },
      end,
      budget,
      [...subsections, s.body],
    );
  }
}

/** The reading of a whole section body that ends exactly at its footer, fewest departures first. */
export function sectionBody(
  desc: CheckDescription,
  version: number,
  bytes: Uint8Array,
  start: number,
  end: number,
) {
  const budget = { steps: 0 };
  for (let departures = 0; departures <= MAX_DEPARTURES; departures++) {
    for (const r of readings(desc, version, bytes, start, end, departures, budget)) {
      if (r.pos === end) return r.body;
    }
  }
  return undefined;
}

/** `0000:00:01.3/piix4_pm` → `piix4_pm`: the description name a section id ends with. */
function vmsdName(idstr: string): string {
  return idstr.slice(idstr.lastIndexOf('/') + 1);
}

export interface SenderVmdesc {
  /** The stream with the vmdesc trailer appended (unchanged when no section could be described). */
  readonly stream: Uint8Array;
  /** Device sections in the stream, and how many the source's dump described exactly. */
  readonly sections: number;
  readonly described: number;
}

/**
 * Appends to a device-state stream (no trailer yet) the vmdesc QEMU would have sent with it,
 * built from `source`, the sending QEMU's `-dump-vmstate` for the same machine type.
 */
/**
 * Readings found so far, by section, version and body length (null: none tiles). A VM's layouts
 * rarely change between two asks, and at the switch-over pause every millisecond is downtime: pass
 * one cache to every ask about the same VM. A cached reading that no longer fits is dropped by the
 * check that follows, never trusted.
 */
export interface LayoutCache {
  readonly bodies: Map<string, VmdescBody | null>;
  /** Keys whose reading our reader has already read through. */
  readonly read: Set<string>;
}

export function layoutCache(): LayoutCache {
  return { bodies: new Map(), read: new Set() };
}

export async function withSenderVmdesc(
  stream: Uint8Array,
  source: DescriptionSet,
  cache: LayoutCache = layoutCache(),
): Promise<SenderVmdesc> {
  const devices: VmdescEntry[] = [];
  const keys: string[] = [];
  let header: SectionItem | undefined;
  let sections = 0;
  for await (const item of readStream(stream, { vmdesc: 'none' })) {
    if (item.type === 'section') {
      header = item.kind === 'full' ? item : undefined;
      continue;
    }
    if (item.type !== 'opaque' || header === undefined) continue;
    sections++;
    const opaque = item as OpaqueItem;
    const start = opaque.offset ?? -1;
    const end = start + opaque.body.length;
    const key = `${header.idstr}\u0000${header.instanceId}\u0000${header.version}\u0000${end - start}`;
    let body = cache.bodies.get(key);
    if (body === undefined) {
      const desc = describedAs(source, vmsdName(header.idstr));
      body = (desc && start >= 0 ? sectionBody(desc, header.version, stream, start, end) : undefined) ?? null;
      cache.bodies.set(key, body);
    }
    if (body !== null) {
      devices.push({ name: header.idstr, instance_id: header.instanceId, ...body });
      keys.push(key);
    }
    header = undefined;
  }
  if (devices.length === 0) return { stream, sections, described: 0 };
  // Readings all read through before (the same layouts as last time): no second reading needed.
  if (keys.every((k) => cache.read.has(k))) {
    return { stream: withTrailer(stream, devices), sections, described: devices.length };
  }
  // Our own reader reads the result as QEMU's vmdesc: an entry it cannot follow is dropped.
  for (;;) {
    if (devices.length === 0) return { stream, sections, described: 0 };
    const out = withTrailer(stream, devices);
    const bad = await unreadable(out);
    if (bad === undefined) {
      for (const k of keys) cache.read.add(k);
      return { stream: out, sections, described: devices.length };
    }
    const at = devices.findIndex((d) => `${d.name} (${d.instance_id})` === bad);
    if (at < 0) return { stream, sections, described: 0 };
    devices.splice(at, 1);
    const [key] = keys.splice(at, 1);
    if (key !== undefined) cache.bodies.set(key, null);
  }
}

function withTrailer(stream: Uint8Array, devices: readonly VmdescEntry[]): Uint8Array {
  const json = Buffer.from(JSON.stringify({ page_size: 4096, devices }), 'utf8');
  const out = new Uint8Array(stream.length + 5 + json.length);
  out.set(stream, 0);
  out[stream.length] = VMDESC_MARKER;
  new DataView(out.buffer).setUint32(stream.length + 1, json.length);
  out.set(json, stream.length + 5);
  return out;
}

/** The section (`idstr (instance)`) our reader cannot read with the vmdesc, if any. */
async function unreadable(stream: Uint8Array): Promise<string | undefined> {
  try {
    for await (const _ of readStream(stream)) {
      // reading is the test
    }
    return undefined;
  } catch (e) {
    if (!(e instanceof MigrationError)) throw e;
    const first = e.issues[0]?.path[0];
    return typeof first === 'string' ? first : '';
  }
}
