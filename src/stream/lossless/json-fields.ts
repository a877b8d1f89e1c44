import { fail } from '../../errors/index.js';
import type { JsonValue } from '../analyze/state-json.js';
import type { DocItem } from './format.js';

/**
 * Typed reads of a lossless document's values: each returns the value or throws a MigrationError
 * (`invalid-value`) naming its path in the document.
 */

export type DocPath = (string | number)[];

export function bad(message: string, path: DocPath): never {
  return fail('invalid-value', message, { path });
}

export function obj(v: JsonValue | undefined, path: DocPath): DocItem {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad('expected an object', path);
  return v;
}

export function str(v: JsonValue | undefined, path: DocPath): string {
  if (typeof v !== 'string') return bad(`expected a string, got ${JSON.stringify(v)}`, path);
  return v;
}

export function int(v: JsonValue | undefined, path: DocPath, max = 0xffff_ffff): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) {
    return bad(`expected an integer 0..${max}, got ${JSON.stringify(v)}`, path);
  }
  return v;
}

export function big(v: JsonValue | undefined, path: DocPath): bigint {
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v)) {
    const n = BigInt(v);
    if (n <= 0xffff_ffff_ffff_ffffn) return n;
  }
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  return bad(`expected a 64-bit address or length ("0x…"), got ${JSON.stringify(v)}`, path);
}

export function bool(v: JsonValue | undefined, path: DocPath): boolean {
  if (typeof v !== 'boolean') return bad(`expected true or false, got ${JSON.stringify(v)}`, path);
  return v;
}

/** Whether `s` is the text of `decoded` in `encoding`, or text of that alphabet (not canonical). */
export function isEncodingOf(s: string, decoded: Uint8Array, encoding: 'hex' | 'base64'): boolean {
  // Text that is the canonical encoding of its bytes (what we write: every page) is valid without
  // a regular expression over it; anything else is checked by its alphabet.
  const bytes = Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  if (bytes.toString(encoding) === s) return true;
  if (encoding === 'hex') return s.length % 2 === 0 && /^[0-9a-f]*$/i.test(s);
  return /^[A-Za-z0-9+/]*={0,2}$/.test(s);
}

export function bytesOf(v: JsonValue | undefined, path: DocPath, encoding: 'hex' | 'base64'): Uint8Array {
  const s = str(v, path);
  const b = Buffer.from(s, encoding);
  if (!isEncodingOf(s, b, encoding))
    bad(encoding === 'hex' ? 'expected hex digits' : 'expected base64', path);
  // A copy in memory of its own (a Buffer may be a slice of a shared pool).
  return new Uint8Array(b);
}
