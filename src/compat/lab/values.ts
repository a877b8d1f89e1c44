import type { PathSegment } from '../../errors/index.js';

/**
 * Deep equality for state values: numbers by `Object.is` (NaN equals NaN, 0 differs from -0, as the
 * bytes do), a number equals a bigint of the same value (a widened field keeps its value), bytes by
 * content, arrays by length and elements, objects by their own keys.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'bigint' && tb === 'number') || (ta === 'number' && tb === 'bigint')) {
    return Number.isInteger(ta === 'number' ? a : b) && BigInt(a as number) === BigInt(b as number);
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false;
    return a.every((v, i) => sameValue(v, b[i]));
  }
  if (a === null || b === null || ta !== 'object' || tb !== 'object') return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  const ob = b as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(ob, k) && sameValue((a as Record<string, unknown>)[k], ob[k]));
}

/**
 * A JSON-safe copy of a state value for reports: bigints become `"123n"`, bytes `"hex:0a0b"`,
 * non-finite numbers their name. Not meant to be read back (traces use {@link reviveTraceJson}).
 */
export function printable(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Number.isFinite(v) ? (Object.is(v, -0) ? '-0' : v) : String(v);
  if (v instanceof Uint8Array) return `hex:${Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex')}`;
  if (Array.isArray(v)) return v.map(printable);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, printable(x)]));
  }
  return v;
}

/** Runs of one value this long or longer are written once with a count. */
const RUN = 4;

function compactOf(p: unknown): string {
  if (Array.isArray(p)) {
    const items = p.map(compactOf);
    const out: string[] = [];
    for (let i = 0; i < items.length; ) {
      let j = i + 1;
      while (j < items.length && items[j] === items[i]) j++;
      if (j - i >= RUN) out.push(`${items[i]} ×${j - i}`);
      else out.push(...items.slice(i, j));
      i = j;
    }
    return `[${out.join(',')}]`;
  }
  if (p !== null && typeof p === 'object') {
    return `{${Object.entries(p)
      .map(([k, x]) => `${JSON.stringify(k)}:${compactOf(x)}`)
      .join(',')}}`;
  }
  // Bytes: a buffer of one repeated byte (a cleared FIFO, blank RAM) as that byte and its count.
  if (typeof p === 'string' && p.startsWith('hex:') && p.length >= 4 + 2 * RUN) {
    const byte = p.slice(4, 6);
    if (p.slice(4) === byte.repeat((p.length - 4) / 2)) return `"hex:${byte} ×${(p.length - 4) / 2}"`;
  }
  return JSON.stringify(p) ?? String(p);
}

/**
 * A state value for people: `printable` as JSON, except that a run of one value in an array is
 * written once with its count (`[0 ×512]`), so the members after a large cleared buffer stay in view.
 * Not JSON; `--json` output uses {@link printable}.
 */
export function compactJson(v: unknown): string {
  return compactOf(printable(v));
}

/** A value for one line of text: {@link compactJson}, cut to `max` characters. */
export function shown(v: unknown, max = 80): string {
  const s = compactJson(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** `fdc.drives[1].head`: a state path as people write it in code. */
export function pathText(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out === '' ? '(state)' : out;
}

/**
 * Traces on disk are JSON, which has no bigint or bytes: they are written as `{"$bigint":"123"}`
 * and `{"$bytes":"0a0b"}`. `JSON.parse(text, reviveTraceJson)` turns them back.
 */
export function reviveTraceJson(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.$bigint === 'string') return BigInt(o.$bigint);
    if (keys.length === 1 && typeof o.$bytes === 'string')
      return new Uint8Array(Buffer.from(o.$bytes, 'hex'));
  }
  return value;
}

/** The inverse of {@link reviveTraceJson}: `JSON.stringify(trace, traceJsonReplacer)`. */
export function traceJsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value instanceof Uint8Array)
    return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex') };
  return value;
}
