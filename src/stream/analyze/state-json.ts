import type { AnyElementType, Field, Vmsd } from '../../describe/index.js';
import { fail } from '../../errors/index.js';
import { hexBytes } from './analyze-state.js';

/**
 * Decoded state as plain JSON and back, guided by the description, so a person can edit it:
 * integers up to 32 bits are numbers, 64-bit integers and timers are decimal strings (hex
 * "0x…" is accepted back), bytes are hex pairs separated by spaces ("00 ff"), null pointer slots
 * are null, structs are objects, arrays are arrays, lists are arrays of objects, trees are arrays
 * of `{ "key", "value" }` (a direct key as a decimal string). Subsections kept under a key (descriptions
 * built from a vmdesc) are objects present only when the subsection was sent.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

type Obj = Record<string, unknown>;
type Path = (string | number)[];

function bad(message: string, path: Path): never {
  return fail('invalid-value', message, { path });
}

function elementToJson(t: AnyElementType, v: unknown): JsonValue {
  if (v === null) return null;
  switch (t.kind) {
    case 'int':
      return typeof v === 'bigint' ? v.toString() : (v as number);
    case 'timer':
      return String(v);
    case 'bool':
      return v as boolean;
    case 'double':
      return Number.isFinite(v) ? (v as number) : String(v);
    case 'buffer':
    case 'vbuffer':
      return v instanceof Uint8Array ? hexBytes(v) : genericToJson(v);
    case 'struct':
      return stateToJson(t.vmsd, v as Obj);
    case 'pointer':
      return elementToJson(t.target, v);
    case 'queue':
      // A list from a vmdesc has a layout per element (their subsections may differ).
      return Array.isArray(v)
        ? v.map((e, i) => stateToJson(t.layouts?.[i] ?? t.element, e as Obj))
        : genericToJson(v);
    case 'gtree': {
      if (!Array.isArray(v)) return genericToJson(v);
      return v.map((e: { key: unknown; value: unknown }, i) => {
        const node = t.layouts?.[i] ?? t;
        return {
          key: node.key ? stateToJson(node.key, e.key as Obj) : String(e.key),
          value: stateToJson(node.value, e.value as Obj),
        };
      });
    }
  }
}

function genericToJson(v: unknown): JsonValue {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return hexBytes(v);
  if (Array.isArray(v)) return v.map(genericToJson);
  if (v !== null && typeof v === 'object') {
    const out: { [k: string]: JsonValue } = {};
    for (const [k, x] of Object.entries(v)) out[k] = genericToJson(x);
    return out;
  }
  return (v ?? null) as JsonValue;
}

function fieldToJson(f: Field, v: unknown): JsonValue {
  if (f.count.kind === 'one') return elementToJson(f.type, v);
  if (!Array.isArray(v)) return genericToJson(v);
  return v.map((x) => elementToJson(f.type, x));
}

function collect(desc: Vmsd, state: Obj, out: { [k: string]: JsonValue }, done: Set<string>): void {
  for (const f of desc.fields) {
    if (f.key === undefined || done.has(f.key) || !(f.key in state)) continue;
    done.add(f.key);
    out[f.key] = fieldToJson(f, state[f.key]);
  }
  for (const s of desc.subsections) {
    if (s.nestedKey === undefined) collect(s, state, out, done);
    else if (state[s.nestedKey] !== undefined && state[s.nestedKey] !== null) {
      done.add(s.nestedKey);
      out[s.nestedKey] = stateToJson(s, state[s.nestedKey] as Obj);
    }
  }
}

/** A description's state as editable JSON. */
export function stateToJson(desc: Vmsd, state: Obj): { [k: string]: JsonValue } {
  const out: { [k: string]: JsonValue } = {};
  // Members the description does not name never reach the wire, so they are left out.
  collect(desc, state, out, new Set());
  return out;
}

function parseInt64(v: JsonValue, path: Path): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string') {
    const s = v.trim();
    const m = /^(-?)(0x[0-9a-f]+|\d+)$/i.exec(s);
    if (m) return (m[1] === '-' ? -1n : 1n) * BigInt(m[2] as string);
  }
  return bad(`expected an integer (number, decimal or 0x-hex string), got ${JSON.stringify(v)}`, path);
}

function parseHex(v: JsonValue, path: Path): Uint8Array {
  if (typeof v !== 'string') return bad(`expected hex bytes ("00 ff …"), got ${JSON.stringify(v)}`, path);
  const s = v.replace(/\s+/g, '');
  if (s.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(s)) bad(`"${v.slice(0, 40)}" is not hex bytes`, path);
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

function elementFromJson(t: AnyElementType, v: JsonValue, path: Path): unknown {
  switch (t.kind) {
    case 'int': {
      const n = parseInt64(v, path);
      if (t.width === 8) return n;
      if (n < -0x8000_0000n || n > 0xffff_ffffn) bad(`${n} does not fit ${t.int}`, path);
      return Number(n);
    }
    case 'timer':
      return parseInt64(v, path);
    case 'bool':
      if (typeof v !== 'boolean') bad(`expected true or false, got ${JSON.stringify(v)}`, path);
      return v;
    case 'double':
      if (typeof v === 'number') return v;
      if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
      return bad(`expected a number, got ${JSON.stringify(v)}`, path);
    case 'buffer':
    case 'vbuffer':
      return parseHex(v, path);
    case 'struct':
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad('expected an object', path);
      return stateFromJson(t.vmsd, v, path);
    case 'pointer':
      return v === null ? null : elementFromJson(t.target, v, path);
    case 'queue':
      if (!Array.isArray(v)) return bad(`expected an array of ${t.element.name}`, path);
      return v.map((e, i) => structFromJson(t.layouts?.[i] ?? t.element, e, [...path, i]));
    case 'gtree': {
      if (!Array.isArray(v)) return bad('expected an array of { "key", "value" } nodes', path);
      return v.map((e, i) => {
        const { key, value } = t.layouts?.[i] ?? t;
        if (e === null || typeof e !== 'object' || Array.isArray(e) || !('key' in e) || !('value' in e))
          return bad('expected a { "key", "value" } node', [...path, i]);
        const k = e.key as JsonValue;
        return {
          key: key ? structFromJson(key, k, [...path, i, 'key']) : parseInt64(k, [...path, i, 'key']),
          value: structFromJson(value, e.value as JsonValue, [...path, i, 'value']),
        };
      });
    }
  }
}

function structFromJson(desc: Vmsd, v: JsonValue, path: Path): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad('expected an object', path);
  return stateFromJson(desc, v, path);
}

function fieldFromJson(f: Field, v: JsonValue, path: Path): unknown {
  if (f.count.kind === 'one') return elementFromJson(f.type, v, path);
  if (!Array.isArray(v)) return bad(`expected an array for ${f.name}`, path);
  return v.map((x, i) => elementFromJson(f.type, x, [...path, i]));
}

function restore(
  desc: Vmsd,
  json: { [k: string]: JsonValue },
  out: Obj,
  done: Set<string>,
  path: Path,
): void {
  for (const f of desc.fields) {
    if (f.key === undefined || done.has(f.key)) continue;
    done.add(f.key);
    if (!(f.key in json)) continue;
    out[f.key] = fieldFromJson(f, json[f.key] as JsonValue, [...path, f.key]);
  }
  for (const s of desc.subsections) {
    if (s.nestedKey === undefined) restore(s, json, out, done, path);
    else {
      done.add(s.nestedKey);
      const v = json[s.nestedKey];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'object' || Array.isArray(v))
        bad('expected an object for a subsection', [...path, s.nestedKey]);
      out[s.nestedKey] = stateFromJson(s, v, [...path, s.nestedKey]);
    }
  }
}

/**
 * The state a description saves, from its editable JSON. Members missing from the JSON are left
 * out (saving then reports them); unknown members are refused so a typo is not silently ignored.
 */
export function stateFromJson(desc: Vmsd, json: { [k: string]: JsonValue }, path: Path = []): Obj {
  const out: Obj = {};
  const done = new Set<string>();
  restore(desc, json, out, done, path);
  for (const k of Object.keys(json)) {
    if (!done.has(k)) bad(`"${k}" is not a member of ${desc.name}`, [...path, k]);
  }
  return out;
}
