import { SUBSECTION_MARKER, type VmdescBody, type VmdescField } from '../../codec/index.js';
import { be32 } from '../../wire/index.js';

/**
 * Where a device body ends by its vmdesc entry alone, without decoding it (`bodies: 'framed'`):
 * the fields' sizes, and each subsection's header checked byte for byte (marker, name, a version
 * the entry accepts). Only for bodies whose decoding by the entry's description cannot refuse
 * anything but those headers: fields the codec reads as `size` bytes, unchecked (integers,
 * bools, buffers, timers, unknown codecs) and structs of such fields. Anything else (lists,
 * trees, tmp/vstruct members, a subsection marker the codec would look at after a body) gives
 * undefined, and the reader decodes the body as always, with its errors.
 */

/** vmdesc types whose description reads markers and elements, not `size` plain bytes. */
const LISTS = new Set(['qtailq', 'qlist', 'gtree']);

const hasFields = (b: VmdescBody | undefined): b is VmdescBody => b !== undefined && Array.isArray(b.fields);

/** The body a field nests (a struct's, or tmp/vstruct members inline), as the vmdesc's description reads it. */
function nestedBody(f: VmdescField): VmdescBody | undefined {
  if (f.type === 'struct') return hasFields(f.struct) ? f.struct : undefined;
  if ((f.type === 'tmp' || f.type === 'vstruct') && f.vmsd_name !== undefined && Array.isArray(f.fields))
    return f as VmdescBody;
  return undefined;
}

const count = (n: number | undefined): number | undefined =>
  n === undefined ? 1 : Number.isSafeInteger(n) && n >= 0 ? n : undefined;

/** Whether `name`'s character codes stand at `at` (a code above 0xff never matches a byte). */
function nameAt(bytes: Uint8Array, at: number, name: string): boolean {
  if (at + name.length > bytes.length) return false;
  for (let i = 0; i < name.length; i++) if (bytes[at + i] !== name.charCodeAt(i)) return false;
  return true;
}

/** A position past the window's end: more bytes are needed to tell (any result > the window's length). */
const SHORT = Number.POSITIVE_INFINITY;

/**
 * A body that ends at `at`, unless the codec's subsection loop, peeking there, might read or refuse
 * something (a marker followed by a name starting with the body's own, spec §9.2): undefined then.
 */
function endAt(b: VmdescBody, bytes: Uint8Array, at: number): number | undefined {
  if (at >= bytes.length) return SHORT;
  if (bytes[at] !== SUBSECTION_MARKER) return at;
  if (at + 2 + b.vmsd_name.length > bytes.length) return SHORT;
  return nameAt(bytes, at + 2, b.vmsd_name) ? undefined : at;
}

/** Same members, sizes and nesting (names included): what the codec's reading depends on. */
function sameBody(a: VmdescBody, b: VmdescBody): boolean {
  if (a.vmsd_name !== b.vmsd_name || a.version !== b.version || a.fields.length !== b.fields.length)
    return false;
  for (let i = 0; i < a.fields.length; i++) {
    const x = a.fields[i] as VmdescField;
    const y = b.fields[i] as VmdescField;
    if (x.name !== y.name || x.type !== y.type || x.size !== y.size || x.array_len !== y.array_len)
      return false;
    if (hasFields(x.struct) !== hasFields(y.struct)) return false;
    if (hasFields(x.struct) && !sameBody(x.struct, y.struct as VmdescBody)) return false;
  }
  const xs = a.subsections ?? [];
  const ys = b.subsections ?? [];
  return xs.length === ys.length && xs.every((s, i) => sameBody(s, ys[i] as VmdescBody));
}

function fieldsEnd(b: VmdescBody, bytes: Uint8Array, start: number): number | undefined {
  let at = start;
  // QEMU describes an array of structs element by element ("index"); the description decodes every
  // element by the first one's members, so the elements must all have them.
  let run: VmdescField | undefined;
  for (const f of b.fields) {
    const n = count(f.array_len);
    if (n === undefined) return undefined;
    if (f.index === 0) run = f;
    else if (run?.name !== f.name) run = undefined;
    const nested = nestedBody(f);
    if (nested) {
      if (run && run !== f && !(hasFields(run.struct) && sameBody(run.struct, nested))) return undefined;
      for (let i = 0; i < n; i++) {
        const end = bodyEnd(nested, bytes, at);
        if (end === undefined || end > bytes.length) return end;
        at = end;
      }
      continue;
    }
    if (LISTS.has(f.type) || !Number.isSafeInteger(f.size) || f.size < 0) return undefined;
    at += f.size * n;
  }
  return at;
}

/**
 * The end of a body (fields, then the entry's subsections in order) starting at `start`, if
 * framed; a position past the window when it reaches beyond it.
 */
function bodyEnd(b: VmdescBody, bytes: Uint8Array, start: number): number | undefined {
  let at = fieldsEnd(b, bytes, start);
  if (at === undefined || at > bytes.length) return at;
  for (const sub of b.subsections ?? []) {
    const name = sub.vmsd_name;
    const header = 2 + name.length + 4;
    if (at + header > bytes.length) return SHORT;
    if (bytes[at] !== SUBSECTION_MARKER || bytes[at + 1] !== name.length || !nameAt(bytes, at + 2, name))
      return undefined;
    if (be32(bytes, at + 2 + name.length) > sub.version) return undefined;
    at = bodyEnd(sub, bytes, at + header);
    if (at === undefined || at > bytes.length) return at;
  }
  return endAt(b, bytes, at);
}

/**
 * The length of the body at the start of `bytes` that `entry` describes for a section of
 * `version`, when it can be framed and the next byte is `next` (the section footer); `more` when
 * the window ends before that can be told; else undefined.
 */
export function framedLength(
  entry: VmdescBody,
  version: number,
  bytes: Uint8Array,
  next: number,
): number | 'more' | undefined {
  if (version > entry.version) return undefined;
  const end = bodyEnd(entry, bytes, 0);
  if (end === undefined) return undefined;
  if (end >= bytes.length) return 'more';
  return bytes[end] === next ? end : undefined;
}
