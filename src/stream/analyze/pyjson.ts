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
  /** The text not yet handed out, as one string: V8 appends to it in place (a rope). */
  text: string;
  readonly indent: number | undefined;
}

/** Pieces are handed out once about this many characters have gathered. */
const PIECE = 1 << 16;

/** A leaf's text, or undefined for a container. */
function scalar(v: PyValue): string | undefined {
  if (typeof v === 'string') return pyString(v);
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return String(v);
  return undefined;
}

/** The newline and indentation before an item at `depth` ('' when compact). */
function newline(out: Out, depth: number): string {
  return out.indent === undefined ? '' : `\n${' '.repeat(out.indent * depth)}`;
}

/**
 * Writes one member: leaves directly, containers through a nested generator (a generator per leaf
 * costs more than writing it). Hands out a piece whenever enough text has gathered.
 */
function* member(x: PyValue, depth: number, out: Out): Generator<string> {
  const leaf = scalar(x);
  if (leaf !== undefined) out.text += leaf;
  else yield* container(x, depth, out);
  if (out.text.length >= PIECE) {
    yield out.text;
    out.text = '';
  }
}

function* container(v: PyValue, depth: number, out: Out): Generator<string> {
  const inner = newline(out, depth + 1);
  const sep = out.indent === undefined ? ', ' : `,${inner}`;
  let first = true;
  if (Array.isArray(v)) {
    for (const x of v as readonly PyValue[]) {
      out.text += first ? `[${inner}` : sep;
      first = false;
      yield* member(x, depth + 1, out);
    }
    out.text += first ? '[]' : `${newline(out, depth)}]`;
    return;
  }
  for (const [k, x] of entries(v as ReadonlyMap<string, PyValue>)) {
    out.text += `${first ? `{${inner}` : sep}${pyString(k)}: `;
    first = false;
    yield* member(x, depth + 1, out);
  }
  out.text += first ? '{}' : `${newline(out, depth)}}`;
}

/**
 * `json.dumps(v)` (indent undefined) or `json.dumps(v, indent=n)` as pieces of about 64 KiB, made
 * as they are asked for: lazy maps (the `-m` page store) are read only as the text is written.
 */
export function* pyJsonChunks(v: PyValue, indent?: number): Generator<string> {
  const out: Out = { text: '', indent };
  const leaf = scalar(v);
  if (leaf !== undefined) out.text = leaf;
  else yield* container(v, 0, out);
  if (out.text.length > 0) yield out.text;
}

/** `json.dumps(v)` (indent undefined) or `json.dumps(v, indent=n)`. */
export function pyJson(v: PyValue, indent?: number): string {
  return [...pyJsonChunks(v, indent)].join('');
}
