import type { VmdescBody } from '../../../codec/index.js';
import { findTrailer, type PyValue, pyJson, type Vmdesc, type VmdescEntry } from '../../../stream/index.js';
import type { PositionalInput } from './positional.js';

/** A run of the stream to leave out: a whole section, or one subsection of it. */
export interface Cut {
  readonly start: number;
  readonly end: number;
  /** The vmdesc device entry and the subsection name to take out of it (none for a section). */
  readonly entry?: number;
  readonly subsection?: readonly string[];
}

/** A piece of a spliced stream: a run `[start, end)` of the input, or new bytes. */
export type Piece = { readonly start: number; readonly end: number } | Uint8Array;

type Body = VmdescBody;

/** Takes subsection `path` (field names, then its name) out of a vmdesc body, everywhere it sits. */
function dropFromBody(body: Body, path: readonly string[]): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    if (body.subsections) body.subsections = body.subsections.filter((s) => s.vmsd_name !== head);
    return;
  }
  for (const f of body.fields) {
    if (f.name.replace(/\[\d+\]$/, '') !== head) continue;
    const next = /^\d+$/.test(rest[0] ?? '') ? rest.slice(1) : rest;
    if (f.struct && Array.isArray(f.struct.fields)) dropFromBody(f.struct, next);
    if (Array.isArray(f.fields)) dropFromBody(f as unknown as Body, next);
  }
}

type Trailer = { offset: number; text: string } | undefined;

/**
 * The vmdesc trailer, as `findTrailer` finds it in the whole stream, read from the end in growing
 * windows (a file is not read whole). A window that starts within the 5 bytes of a trailer's header
 * cannot see it: a window that says "none" is looked at again from 8 bytes earlier.
 */
function trailerOf(input: PositionalInput): Trailer {
  const size = input.size;
  for (let want = Math.min(size, 1 << 20); ; want = Math.min(size, want * 4)) {
    const from = size - want;
    const found = findTrailer(input.read(from, size), from);
    if (found === 'more') continue;
    if (found === undefined && from > 0) {
      const back = Math.max(0, from - 8);
      const again = findTrailer(input.read(back, size), back);
      return again === 'more' || again === undefined ? undefined : again;
    }
    return found;
  }
}

/** The trailer with the cut sections' entries and subsections taken out of its vmdesc. */
function newTrailer(trailer: { text: string }, cuts: readonly Cut[]): Uint8Array[] {
  const vmdesc = JSON.parse(trailer.text) as Vmdesc;
  const dropped = new Set<number>();
  for (const c of cuts) {
    if (c.entry === undefined) continue;
    if (c.subsection) dropFromBody(vmdesc.devices[c.entry] as unknown as Body, c.subsection);
    else dropped.add(c.entry);
  }
  vmdesc.devices = vmdesc.devices.filter((_d: VmdescEntry, i: number) => !dropped.has(i));
  const json = Buffer.from(pyJson(vmdesc as unknown as PyValue), 'utf8');
  const head = new Uint8Array(5);
  head[0] = 0x06;
  new DataView(head.buffer).setUint32(1, json.length);
  return [head, json];
}

/**
 * The stream without the cuts (VMState has no lengths around sections or subsections, so cutting
 * bytes is enough), its vmdesc rewritten to match: runs of the input and the new trailer.
 */
export function splice(input: PositionalInput, cuts: readonly Cut[]): Piece[] {
  const found = trailerOf(input);
  const end = found ? found.offset : input.size;
  const pieces: Piece[] = [];
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a.start - b.start)) {
    if (c.start < at) continue; // inside a cut already made (a section and its subsection)
    pieces.push({ start: at, end: c.start });
    at = c.end;
  }
  pieces.push({ start: at, end });
  if (found) pieces.push(...newTrailer(found, cuts));
  return pieces;
}
