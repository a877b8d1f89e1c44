/**
 * The JSON QEMU appends to a stream to describe what it wrote (spec §13.2). Produced while saving,
 * because presence and sizes depend on the values.
 */
export interface VmdescBody {
  vmsd_name: string;
  version: number;
  fields: VmdescField[];
  subsections?: VmdescBody[];
}

export interface VmdescField {
  name: string;
  array_len?: number;
  index?: number;
  type: string;
  struct?: VmdescBody;
  /** tmp, vstruct: the nested body's members sit inline in the field object. */
  vmsd_name?: string;
  version?: number;
  fields?: VmdescField[];
  subsections?: VmdescBody[];
  size: number;
}

/** One node our own save wrote into a qtailq, qlist or gtree field. */
export interface VmdescNode {
  /** A gtree's struct key (absent: a direct key, 8 bytes). */
  readonly key?: VmdescBody;
  readonly value: VmdescBody;
}

/**
 * The per-node bodies behind a merged list/tree vmdesc entry (QEMU's JSON repeats keys inside one
 * object, so a parsed entry keeps only the last node's). Kept beside the JSON, never in it.
 */
const nodes = new WeakMap<object, readonly VmdescNode[]>();

export function rememberNodes(entry: object, list: readonly VmdescNode[]): void {
  nodes.set(entry, list);
}

export function nodesOf(entry: object): readonly VmdescNode[] | undefined {
  return nodes.get(entry);
}
