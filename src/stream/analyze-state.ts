import type { VmdescBody, VmdescField } from '../codec/index.js';
import { fail, MigrationError } from '../errors/index.js';
import { Reader } from '../wire/index.js';
import type { PyValue } from './pyjson.js';
import type { VmdescEntry } from './vmdesc.js';

/**
 * Renders device sections and RAM the way QEMU 7.2's `analyze-migration.py -d state` does
 * (docs/internals/analyze-migration-output.md §2): driven by the vmdesc entry alone, reading the
 * section's body bytes by the sizes it lists.
 */

/** vmdesc types the script reads as unsigned integers. */
const UNSIGNED = new Set(['uint8', 'uint16', 'uint32', 'uint64', 'uint32 equal']);
/** vmdesc types the script reads as signed integers (note the "equal" ones). */
const SIGNED = new Set([
  'int8',
  'int16',
  'int32',
  'int64',
  'int32 equal',
  'int32 le',
  'int64 equal',
  'uint8 equal',
  'uint16 equal',
]);

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Bytes as lowercase two-digit hex joined by single spaces ("" for none). */
export function hexBytes(b: Uint8Array): string {
  if (b.length === 0) return '';
  const parts = new Array<string>(b.length);
  for (let i = 0; i < b.length; i++) parts[i] = HEX[b[i] as number] as string;
  return parts.join(' ');
}

function intText(bytes: Uint8Array, signed: boolean): string {
  let u = 0n;
  for (const b of bytes) u = (u << 8n) | BigInt(b);
  const digits = Math.max(1, bytes.length * 2);
  const hex = `0x${u.toString(16).padStart(digits, '0')}`;
  if (!signed || bytes.length === 0 || ((bytes[0] as number) & 0x80) === 0) return hex;
  const s = u - (1n << BigInt(bytes.length * 8));
  return `${hex} (${s})`;
}

function field(f: VmdescField, r: Reader): PyValue {
  if (f.type === 'struct' && f.struct && Array.isArray(f.struct.fields)) return body(f.struct, r);
  const bytes = r.peekView(f.size);
  if (f.type === 'bool') return f.size > 0 && bytes[0] !== 0;
  if (UNSIGNED.has(f.type)) return intText(bytes, false);
  if (SIGNED.has(f.type)) return intText(bytes, true);
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

/** The RAM section's entry: block sizes (and, with `memory`, every page in stream order). */
export class RamRender {
  readonly sizes = new Map<string, PyValue>();
  readonly memory: Map<string, PyValue> | undefined;

  constructor(memory: boolean) {
    this.memory = memory ? new Map() : undefined;
  }

  block(name: string, length: bigint): void {
    this.sizes.set(name, `0x${length.toString(16).padStart(16, '0')}`);
  }

  private key(block: string, addr: bigint): string {
    return `${block} (0x${addr.toString(16).padStart(16, '0')})`;
  }

  zero(block: string, addr: bigint, fill: number): void {
    // The script formats the signed fill byte: 0xff prints as "0x-1".
    const signed = fill >= 0x80 ? fill - 0x100 : fill;
    const text = signed < 0 ? `-${(-signed).toString(16)}` : signed.toString(16).padStart(2, '0');
    this.memory?.set(this.key(block, addr), `Filled with 0x${text}`);
  }

  page(block: string, addr: bigint, data: Uint8Array): void {
    this.memory?.set(this.key(block, addr), hexBytes(data));
  }

  value(): Map<string, PyValue> {
    const out = new Map<string, PyValue>([['section sizes', this.sizes]]);
    if (this.memory) out.set('memory', this.memory);
    return out;
  }
}
