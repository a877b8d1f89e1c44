/**
 * JSON text exactly as Python's `json` module writes it with its defaults (`ensure_ascii`), so our
 * output can be compared byte for byte with QEMU's scripts: compact form `{"a": 1, "b": [1, 2]}`
 * (the vmdesc writer's spacing), or indented (`indent=4`, `,` / `: `). Maps keep insertion order,
 * whatever their keys look like (plain objects would move integer-like keys first).
 */
export type PyValue =
  | null
  | boolean
  | number
  | string
  | readonly PyValue[]
  | ReadonlyMap<string, PyValue>
  | { readonly [k: string]: PyValue };

function escapeNonAscii(s: string): string {
  return s.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters JSON escapes.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

/** A JSON string literal with Python's ASCII escaping. */
export function pyString(s: string): string {
  // Most strings (names, hex text, gigabytes of it with `-m`) need no escaping at all.
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  return escapeNonAscii(JSON.stringify(s));
}

function entries(
  v: ReadonlyMap<string, PyValue> | { readonly [k: string]: PyValue },
): Iterable<[string, PyValue]> {
  // Any ReadonlyMap (a Map, or a lazy one such as the `-m` page store), else a plain object.
  return typeof v.entries === 'function' ? (v as ReadonlyMap<string, PyValue>).entries() : Object.entries(v);
}

interface Out {
  parts: string[];
  size: number;
}

/** Pieces are handed out once about this many characters have gathered. */
const PIECE = 1 << 16;

function push(out: Out, s: string): void {
  out.parts.push(s);
  out.size += s.length;
}

function* write(v: PyValue, indent: number | undefined, depth: number, out: Out): Generator<string> {
  if (v === null || typeof v === 'boolean' || typeof v === 'number') {
    push(out, String(v));
    return;
  }
  if (typeof v === 'string') {
    push(out, pyString(v));
    return;
  }
  const isArray = Array.isArray(v);
  const items: Iterable<[string | undefined, PyValue]> = isArray
    ? (v as readonly PyValue[]).map((x): [undefined, PyValue] => [undefined, x])
    : entries(v as ReadonlyMap<string, PyValue>);
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  const inner = indent === undefined ? '' : `\n${' '.repeat(indent * (depth + 1))}`;
  const outer = indent === undefined ? '' : `\n${' '.repeat(indent * depth)}`;
  const sep = indent === undefined ? ', ' : `,${inner}`;
  let first = true;
  for (const [k, x] of items) {
    push(out, first ? open + inner : sep);
    first = false;
    if (k !== undefined) push(out, `${pyString(k)}: `);
    yield* write(x, indent, depth + 1, out);
    if (out.size >= PIECE) {
      yield out.parts.join('');
      out.parts = [];
      out.size = 0;
    }
  }
  push(out, first ? open + close : outer + close);
}

/**
 * `json.dumps(v)` (indent undefined) or `json.dumps(v, indent=n)` as pieces of about 64 KiB, made
 * as they are asked for: lazy maps (the `-m` page store) are read only as the text is written.
 */
export function* pyJsonChunks(v: PyValue, indent?: number): Generator<string> {
  const out: Out = { parts: [], size: 0 };
  yield* write(v, indent, 0, out);
  if (out.parts.length > 0) yield out.parts.join('');
}

/** `json.dumps(v)` (indent undefined) or `json.dumps(v, indent=n)`. */
export function pyJson(v: PyValue, indent?: number): string {
  return [...pyJsonChunks(v, indent)].join('');
}
