import { nodesOf, type VmdescBody, type VmdescField, type VmdescNode } from './vmdesc-json.js';

/** One labelled byte range of a saved body. */
export interface Annotation {
  readonly offset: number;
  readonly length: number;
  /** Path of the element: `regs[1]`, `mydev/extra › ts`, or `mydev/extra (subsection header)`. */
  readonly label: string;
  readonly type: string;
}

/**
 * Labels every byte of a saved body, using the vmdesc the save produced (it records the size
 * of every element written, nested subsections included).
 */
export function annotate(body: VmdescBody, start = 0): Annotation[] {
  const out: Annotation[] = [];
  walkBody(body, start, '', out);
  return out;
}

function walkBody(body: VmdescBody, offset: number, prefix: string, out: Annotation[]): number {
  let at = offset;
  for (const f of body.fields) at = walkField(f, at, prefix, out);
  for (const sub of body.subsections ?? []) {
    const header = 1 + 1 + sub.vmsd_name.length + 4;
    out.push({
      offset: at,
      length: header,
      label: `${prefix}${sub.vmsd_name} (subsection v${sub.version})`,
      type: 'subsection',
    });
    at = walkBody(sub, at + header, `${prefix}${sub.vmsd_name} › `, out);
  }
  return at;
}

/** Lists and trees: the per-node bodies when our save recorded them, else one range. */
const COLLECTIONS = new Set(['qtailq', 'qlist', 'gtree']);

function walkNodes(
  f: VmdescField,
  nodes: readonly VmdescNode[],
  offset: number,
  label: string,
  out: Annotation[],
): number {
  let at = offset;
  const tree = f.type === 'gtree';
  if (tree) {
    out.push({ offset: at, length: 4, label: `${label} (node count)`, type: 'uint32' });
    at += 4;
  }
  nodes.forEach((node, i) => {
    out.push({ offset: at, length: 1, label: `${label}[${i}] (next)`, type: 'marker' });
    at += 1;
    if (tree && node.key) at = walkBody(node.key, at, `${label}[${i}] › key › `, out);
    else if (tree) {
      out.push({ offset: at, length: 8, label: `${label}[${i}] › key`, type: 'uint64' });
      at += 8;
    }
    at = walkBody(node.value, at, `${label}[${i}] › ${tree ? 'value › ' : ''}`, out);
  });
  out.push({ offset: at, length: 1, label: `${label} (end)`, type: 'marker' });
  return at + 1;
}

function walkField(f: VmdescField, offset: number, prefix: string, out: Annotation[]): number {
  if (COLLECTIONS.has(f.type)) {
    // An empty list or tree is only its markers (and count): no vmdesc body was written.
    const nodes = nodesOf(f) ?? (f.size === (f.type === 'gtree' ? 5 : 1) ? [] : undefined);
    const label = `${prefix}${f.name}`;
    const parts: Annotation[] = [];
    // A parsed QEMU tree lists key and value bodies alike: labels only when the sizes add up.
    if (nodes && walkNodes(f, nodes, offset, label, parts) === offset + f.size) out.push(...parts);
    else out.push({ offset, length: f.size, label, type: f.type });
    return offset + f.size;
  }
  const n = f.array_len ?? 1;
  let at = offset;
  for (let i = 0; i < n; i++) {
    const index = f.array_len !== undefined ? `[${i}]` : f.index !== undefined ? `[${f.index}]` : '';
    const label = `${prefix}${f.name}${index}`;
    const nested = f.struct ?? (f.fields ? (f as VmdescBody) : undefined);
    if (nested) walkBody(nested, at, `${label} › `, out);
    else out.push({ offset: at, length: f.size, label, type: f.type });
    at += f.size;
  }
  return at;
}
