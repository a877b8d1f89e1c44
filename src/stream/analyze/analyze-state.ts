import type { VmdescBody, VmdescField } from '../../codec/index.js';
import { fail, MigrationError } from '../../errors/index.js';
import { Reader } from '../../wire/index.js';
import type { VmdescEntry } from '../read/vmdesc.js';
import type { PyValue } from './pyjson.js';

/**
 * Renders device sections and RAM the way QEMU 7.2's `analyze-migration.py -d state` does
 * (docs/internals/analyze-migration-output.md §2): driven by the vmdesc entry alone, reading the
 * section's body bytes by the sizes it lists.
 */

/** vmdesc types the script reads as integers: false unsigned, true signed (note the "equal" ones). */
const INTEGERS = new Map<string, boolean>([
  ['uint8', false],
  ['uint16', false],
  ['uint32', false],
  ['uint64', false],
  ['uint32 equal', false],
  ['int8', true],
  ['int16', true],
  ['int32', true],
  ['int64', true],
  ['int32 equal', true],
  ['int32 le', true],
  ['int64 equal', true],
  ['uint8 equal', true],
  ['uint16 equal', true],
]);

/** Each byte's two lowercase hex digits as character codes: `HEX_CODES[2b]`, `HEX_CODES[2b + 1]`. */
const HEX_CODES = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).padStart(2, '0');
  HEX_CODES[2 * i] = h.charCodeAt(0);
  HEX_CODES[2 * i + 1] = h.charCodeAt(1);
}

/** Bytes as lowercase two-digit hex joined by single spaces ("" for none). */
export function hexBytes(b: Uint8Array): string {
  if (b.length === 0) return '';
  // Built as Latin-1 bytes in one buffer: `--memory` renders gigabytes of pages through here.
  const out = Buffer.allocUnsafe(b.length * 3 - 1);
  let j = 0;
  for (let i = 0; i < b.length; i++) {
    if (i > 0) out[j++] = 0x20;
    const x = (b[i] as number) * 2;
    out[j++] = HEX_CODES[x] as number;
    out[j++] = HEX_CODES[x + 1] as number;
  }
  return out.toString('latin1', 0, j);
}

/** The `n` bytes at `at` as the script prints an integer: hex, and the value too when negative. */
function intText(bytes: Uint8Array, at: number, n: number, signed: boolean): string {
  const negative = signed && n > 0 && ((bytes[at] as number) & 0x80) !== 0;
  // Up to 6 bytes fit a double exactly: no BigInt (most fields are 1 to 4 bytes).
  if (n <= 6) {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + (bytes[at + i] as number);
    const hex = `0x${v.toString(16).padStart(Math.max(1, n * 2), '0')}`;
    return negative ? `${hex} (${v - 2 ** (n * 8)})` : hex;
  }
  let u = 0n;
  for (let i = 0; i < n; i++) u = (u << 8n) | BigInt(bytes[at + i] as number);
  const hex = `0x${u.toString(16).padStart(n * 2, '0')}`;
  return negative ? `${hex} (${u - (1n << BigInt(n * 8))})` : hex;
}

function field(f: VmdescField, r: Reader): PyValue {
  if (f.type === 'struct' && f.struct && Array.isArray(f.struct.fields)) return body(f.struct, r);
  const signed = INTEGERS.get(f.type);
  if (signed !== undefined) {
    const at = r.pos;
    r.skip(f.size);
    return intText(r.bytes, at, f.size, signed);
  }
  const bytes = r.peekView(f.size);
  if (f.type === 'bool') return f.size > 0 && bytes[0] !== 0;
  return hexBytes(bytes);
}

function body(b: VmdescBody, r: Reader): Map<string, PyValue> {
  const out = new Map<string, PyValue>();
  for (const f of b.fields) {
    const n = f.array_len;
    if (n === undefined) {
      const v = field(f, r);
      if (f.index === undefined) out.set(f.name, v);
      else appendIndexed(out, f.name, f.index, v, r);
      continue;
    }
    // The script unfolds `array_len` into copies with index 0..n-1.
    for (let i = 0; i < n; i++) appendIndexed(out, f.name, i, field(f, r), r);
  }
  for (const sub of b.subsections ?? []) {
    const at = r.offset;
    if (r.u8() !== 0x05) {
      fail('unexpected-byte', `subsection ${sub.vmsd_name} not found`, { offset: at, path: [sub.vmsd_name] });
    }
    const name = r.str8();
    r.u32();
    out.set(name, body(sub, r));
  }
  return out;
}

function appendIndexed(out: Map<string, PyValue>, name: string, index: number, v: PyValue, r: Reader): void {
  let list = out.get(name);
  if (list === undefined) {
    list = [];
    out.set(name, list);
  }
  if (!Array.isArray(list) || list.length !== index) {
    fail('invalid-description', `internal index of data field unmatched (${name}[${index}])`, {
      offset: r.offset,
      path: [name],
    });
  }
  (list as PyValue[]).push(v);
}

/** One device section as the script prints it, from its vmdesc entry and its body bytes. */
export function renderDevice(entry: VmdescEntry, bytes: Uint8Array, offset = 0): Map<string, PyValue> {
  const r = new Reader(bytes, { base: offset });
  try {
    return body(entry as VmdescBody, r);
  } catch (e) {
    if (e instanceof MigrationError) throw e.within(`${entry.name} (${entry.instance_id})`);
    throw e;
  }
}

/** Where `-m` pages go: in memory for a test, a `PageStore` (temporary files) for real streams. */
export interface PageSink extends ReadonlyMap<string, PyValue> {
  zero(block: string, addr: bigint, fill: number): void;
  data(block: string, addr: bigint, data: Uint8Array): void;
}

/** The RAM section's entry: block sizes (and, with `memory`, every page in stream order). */
export class RamRender {
  readonly sizes = new Map<string, PyValue>();

  constructor(readonly memory: PageSink | undefined) {}

  block(name: string, length: bigint): void {
    this.sizes.set(name, `0x${length.toString(16).padStart(16, '0')}`);
  }

  zero(block: string, addr: bigint, fill: number): void {
    this.memory?.zero(block, addr, fill);
  }

  page(block: string, addr: bigint, data: Uint8Array): void {
    this.memory?.data(block, addr, data);
  }

  value(): Map<string, PyValue> {
    const out = new Map<string, PyValue>([['section sizes', this.sizes]]);
    if (this.memory) out.set('memory', this.memory);
    return out;
  }
}
