/**
 * The sender's description for a device-state stream. `xen-save-devices-state` writes no vmdesc
 * (the JSON a migration appends naming every field it sent, and the only place where the sender's
 * layout and names travel), and without it a checker must guess the sender's layout. This builds
 * the vmdesc QEMU would have written from the source QEMU's own `-dump-vmstate`, section by
 * section, and only where the dump decides every byte: a section with a predicate-gated or
 * variable-length field, or whose computed end is not where the stream's footer is, gets no entry.
 */
import type { VmdescBody, VmdescField } from '../codec/index.js';
import type { CheckDescription, DescriptionSet } from '../compat/index.js';
import { type OpaqueItem, readStream, type SectionItem } from '../stream/index.js';
import { VMDESC_MARKER } from '../stream/trailer.js';
import type { VmdescEntry } from '../stream/vmdesc.js';

const SUBSECTION_MARKER = 0x05;
const INT_TYPES: Readonly<Record<number, string>> = { 1: 'uint8', 2: 'uint16', 4: 'uint32', 8: 'uint64' };

interface Walked {
  readonly body: VmdescBody;
  readonly end: number;
}

/** The description named `name` in the dump (section keys are QOM types; the stream says the vmsd name). */
function describedAs(source: DescriptionSet, name: string): CheckDescription | undefined {
  for (const s of source.sections.values()) if (s.description.name === name) return s.description;
  return undefined;
}

function be32(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}

/** Walks one description over the bytes at `at`; undefined where the dump cannot decide the layout. */
function walk(
  desc: CheckDescription,
  version: number,
  bytes: Uint8Array,
  at: number,
  end: number,
): Walked | undefined {
  const fields: VmdescField[] = [];
  let pos = at;
  for (const f of desc.fields) {
    if (f.conditional || f.varray || f.vbuffer || f.pointer || f.loadVersion !== undefined) return undefined;
    if (f.since > version) continue;
    const count = f.count ?? 1;
    const arrayLen = count > 1 ? { array_len: count } : {};
    if (f.struct !== undefined) {
      let first: Walked | undefined;
      let elementSize = -1;
      for (let i = 0; i < count; i++) {
        const w = walk(f.struct, f.struct.version, bytes, pos, end);
        // Elements of different sizes (a subsection in some): QEMU would describe each; leave it out.
        if (w === undefined || (elementSize >= 0 && w.end - pos !== elementSize)) return undefined;
        elementSize = w.end - pos;
        first ??= w;
        pos = w.end;
      }
      if (first !== undefined) {
        fields.push({ name: f.name, ...arrayLen, type: 'struct', struct: first.body, size: elementSize });
      }
      continue;
    }
    const type = f.unused ? 'unused_buffer' : (f.type ?? INT_TYPES[f.size] ?? 'buffer');
    fields.push({ name: f.name, ...arrayLen, type, size: f.size });
    pos += f.size * count;
    if (pos > end) return undefined;
  }
  const subsections: VmdescBody[] = [];
  while (pos < end && bytes[pos] === SUBSECTION_MARKER) {
    const len = bytes[pos + 1] ?? 0;
    const name = Buffer.from(bytes.subarray(pos + 2, pos + 2 + len)).toString('latin1');
    const sub = desc.subsections.find((s) => s.name === name);
    if (sub === undefined) return undefined;
    const w = walk(sub, be32(bytes, pos + 2 + len), bytes, pos + 2 + len + 4, end);
    if (w === undefined) return undefined;
    subsections.push(w.body);
    pos = w.end;
  }
  return {
    body: { vmsd_name: desc.name, version, fields, ...(subsections.length > 0 ? { subsections } : {}) },
    end: pos,
  };
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
export async function withSenderVmdesc(stream: Uint8Array, source: DescriptionSet): Promise<SenderVmdesc> {
  const devices: VmdescEntry[] = [];
  let header: SectionItem | undefined;
  let sections = 0;
  for await (const item of readStream(stream, { vmdesc: 'none' })) {
    if (item.type === 'section') {
      header = item.kind === 'full' ? item : undefined;
      continue;
    }
    if (item.type !== 'opaque' || header === undefined) continue;
    sections++;
    const body = item as OpaqueItem;
    const start = body.offset ?? -1;
    const end = start + body.body.length;
    const desc = describedAs(source, vmsdName(header.idstr));
    const walked =
      desc === undefined || start < 0 ? undefined : walk(desc, header.version, stream, start, end);
    if (walked !== undefined && walked.end === end) {
      devices.push({ name: header.idstr, instance_id: header.instanceId, ...walked.body });
    }
    header = undefined;
  }
  if (devices.length === 0) return { stream, sections, described: 0 };
  const json = Buffer.from(JSON.stringify({ page_size: 4096, devices }), 'utf8');
  const out = new Uint8Array(stream.length + 5 + json.length);
  out.set(stream, 0);
  out[stream.length] = VMDESC_MARKER;
  new DataView(out.buffer).setUint32(stream.length + 1, json.length);
  out.set(json, stream.length + 5);
  return { stream: out, sections, described: devices.length };
}
