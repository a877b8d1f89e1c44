import type { VmdescBody, VmdescField } from '../../../codec/index.js';

/**
 * What the sender wrote, from its vmdesc: the field list of one description with the bytes of each
 * field and the subsections it sent. The vmdesc is the only place where the sender's names travel;
 * the bytes themselves are positional.
 */
export interface SentField {
  readonly name: string;
  /** Which of the description's fields of this name it is (vmdesc `name[n]`), when QEMU says. */
  readonly occurrence?: number;
  readonly type: string;
  /** Bytes of one element. */
  readonly size: number;
  readonly count: number;
  /** One body per element for structs (an element without a body is a NULL pointer slot). */
  readonly elements?: readonly (SentBody | undefined)[];
  /** tmp/vstruct: the nested description's fields sit inline. */
  readonly inline?: SentBody;
}

export interface SentBody {
  readonly name: string;
  readonly version: number;
  readonly fields: readonly SentField[];
  readonly subsections: readonly SentBody[];
}

/**
 * QEMU's vmdesc tells apart fields of one description that share a name by an index suffix
 * (`config[0]`, `cur_offset[1]`); the dump names them without it.
 */
function fieldName(name: string): { name: string; occurrence?: number } {
  const m = /^(.*)\[(\d+)\]$/.exec(name);
  return m ? { name: m[1] as string, occurrence: Number(m[2]) } : { name };
}

function hasFields(b: VmdescBody | undefined): b is VmdescBody {
  return b !== undefined && Array.isArray(b.fields);
}

/** The vmdesc body as sent fields (an array QEMU described element by element becomes one field). */
export function sentBody(body: VmdescBody): SentBody {
  const fields: SentField[] = [];
  const list = body.fields;
  for (let i = 0; i < list.length; i++) {
    const f = list[i] as VmdescField;
    if (f.index !== undefined) {
      const run: VmdescField[] = [f];
      // Later elements may come without their index (7.2 and 10.0 write none for the last one).
      while (
        i + 1 < list.length &&
        list[i + 1]?.name === f.name &&
        (list[i + 1]?.index === run.length || list[i + 1]?.index === undefined)
      ) {
        run.push(list[++i] as VmdescField);
      }
      fields.push({
        ...fieldName(f.name),
        type: f.type,
        size: f.size,
        count: run.length,
        ...(f.type === 'struct'
          ? { elements: run.map((e) => (hasFields(e.struct) ? sentBody(e.struct) : undefined)) }
          : {}),
      });
      continue;
    }
    const inline =
      (f.type === 'tmp' || f.type === 'vstruct') && Array.isArray(f.fields)
        ? sentBody({
            vmsd_name: f.vmsd_name ?? f.name,
            version: f.version ?? 0,
            fields: f.fields,
            ...(f.subsections ? { subsections: f.subsections } : {}),
          })
        : undefined;
    fields.push({
      ...fieldName(f.name),
      type: f.type,
      size: f.size,
      count: f.array_len ?? 1,
      ...(f.type === 'struct' ? { elements: [hasFields(f.struct) ? sentBody(f.struct) : undefined] } : {}),
      ...(inline ? { inline } : {}),
    });
  }
  return {
    name: body.vmsd_name,
    version: body.version,
    fields,
    subsections: (body.subsections ?? []).map(sentBody),
  };
}

/** One run of bytes the sender wrote for a field, where it sits in the stream. */
export interface Leaf {
  /** Names from the section down (`esp`, `fifo`, `head`); subsections by their full name. */
  readonly path: readonly string[];
  readonly offset: number;
  readonly size: number;
  readonly type: string;
  /** The nested description's version on the sender, for structs. */
  readonly version?: number;
}

/**
 * The sender's leaves, by walking its vmdesc over the body from `start`: where each field's bytes
 * are. Returns the offset after the body (its subsections included).
 */
/** Where one subsection sits in the stream: from its 0x05 marker to the end of its body. */
export interface SubsectionSpan {
  /** The fields' path to it, ending with the subsection's name. */
  readonly path: readonly string[];
  readonly start: number;
  readonly end: number;
}

export function senderLeaves(
  body: SentBody,
  start: number,
  out: Leaf[],
  prefix: readonly string[] = [],
  spans?: SubsectionSpan[],
): number {
  let pos = start;
  for (const f of body.fields) {
    const here = [...prefix, f.name];
    if (f.inline) {
      pos = senderLeaves(f.inline, pos, out, here, spans);
      continue;
    }
    if (f.elements) {
      // An array QEMU described once (array_len) repeats its one element body.
      for (let i = 0; i < f.count; i++) {
        const e = f.elements[i] ?? f.elements[0];
        const at = f.count > 1 ? [...here, String(i)] : here;
        if (e) pos = senderLeaves(e, pos, out, at, spans);
        else {
          out.push({ path: at, offset: pos, size: f.size, type: f.type });
          pos += f.size;
        }
      }
      continue;
    }
    const bytes = f.size * f.count;
    out.push({ path: here, offset: pos, size: bytes, type: f.type });
    pos += bytes;
  }
  for (const s of body.subsections) {
    // 0x05, name length, name, be32 version, then the body.
    const at = pos;
    pos += 2 + s.name.length + 4;
    pos = senderLeaves(s, pos, out, [s.name], spans);
    spans?.push({ path: [...prefix, s.name], start: at, end: pos });
  }
  return pos;
}
