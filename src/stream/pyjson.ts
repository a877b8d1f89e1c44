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

/** A JSON string literal with Python's ASCII escaping. */
export function pyString(s: string): string {
  return escapeNonAscii(JSON.stringify(s));
}

function entries(v: ReadonlyMap<string, PyValue> | { readonly [k: string]: PyValue }): [string, PyValue][] {
  return v instanceof Map ? [...v.entries()] : Object.entries(v);
}

function write(v: PyValue, indent: number | undefined, depth: number, out: string[]): void {
  if (v === null || typeof v === 'boolean' || typeof v === 'number') {
    out.push(String(v));
    return;
  }
  if (typeof v === 'string') {
    out.push(pyString(v));
    return;
  }
  const isArray = Array.isArray(v);
  const items: [string | undefined, PyValue][] = isArray
    ? (v as readonly PyValue[]).map((x) => [undefined, x])
    : entries(v as ReadonlyMap<string, PyValue>);
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  if (items.length === 0) {
    out.push(open + close);
    return;
  }
  const inner = indent === undefined ? '' : `\n${' '.repeat(indent * (depth + 1))}`;
  const outer = indent === undefined ? '' : `\n${' '.repeat(indent * depth)}`;
  const sep = indent === undefined ? ', ' : `,${inner}`;
  out.push(open, inner);
  items.forEach(([k, x], i) => {
    if (i > 0) out.push(sep);
    if (k !== undefined) out.push(pyString(k), ': ');
    write(x, indent, depth + 1, out);
  });
  out.push(outer, close);
}

/** `json.dumps(v)` (indent undefined) or `json.dumps(v, indent=n)`. */
export function pyJson(v: PyValue, indent?: number): string {
  const out: string[] = [];
  write(v, indent, 0, out);
  return out.join('');
}
