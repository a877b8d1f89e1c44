import { type GTreeType, INT_RANGES, type MigrationContext, type QueueType } from '../describe/index.js';
import { fail, MigrationError } from '../errors/index.js';
import type { Reader, Writer } from '../wire/index.js';
import type { ElementCodec, StructOps } from './elements.js';
import { rememberNodes, type VmdescBody, type VmdescNode } from './vmdesc-json.js';

type Obj = Record<string, unknown>;
type Ops = () => StructOps;

const [U64_MIN, U64_MAX] = INT_RANGES.uint64;

function notA(expected: string, value: unknown): never {
  const shown = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
  return fail('invalid-value', `expected ${expected}, got ${shown}`, { details: { expected } });
}

/** QEMU checks the load version against each nested description before reading anything. */
function checkVersion(o: StructOps, version: number, r: Reader): void {
  if (version > o.version) {
    fail('version-too-new', `${o.name}: elements load at version ${version}, above its ${o.version}`, {
      offset: r.offset,
      details: { received: version, max: o.version },
    });
  }
  if (version < o.minimumVersion) {
    fail(
      'version-too-old',
      `${o.name}: elements load at version ${version}, below its minimum ${o.minimumVersion}`,
      {
        offset: r.offset,
        details: { received: version, min: o.minimumVersion },
      },
    );
  }
}

function readStruct(o: StructOps, r: Reader, version: number, ctx: MigrationContext): Obj {
  const into = o.loadTarget(version);
  o.read(r, into, version, ctx);
  return into;
}

function writeStruct(o: StructOps, w: Writer, value: unknown, ctx: MigrationContext, describe: boolean) {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    notA(`an object for ${o.name}`, value);
  return o.write(w, value as Obj, ctx, describe);
}

/**
 * QEMU writes each element's vmdesc members into the field object itself, so several elements
 * repeat keys; JSON.parse keeps the first position and the last value of each. This merge is
 * what a parser of QEMU's text sees.
 */
function mergeInto(merged: VmdescBody | undefined, body: VmdescBody | undefined): VmdescBody | undefined {
  if (!body) return merged;
  return merged ? Object.assign(merged, body) : { ...body };
}

function located<T>(segments: (string | number)[], run: () => T): T {
  try {
    return run();
  } catch (e) {
    throw e instanceof MigrationError ? e.within(...segments) : e;
  }
}

/** `qtailq` / `qlist`: (0x01, element body)*, 0x00. Any non-zero byte continues, as in QEMU. */
export function queueCodec(
  t: QueueType,
  ops: Ops,
  loadVersion: number,
  layouts?: readonly Ops[],
): ElementCodec {
  // Element i's description: its own layout when a vmdesc gave one per element.
  const opsAt = (i: number): StructOps => (layouts?.[i] ?? ops)();
  return {
    typeName: t.typeName,
    fixedSize: undefined,
    compressible: false,
    initial: () => [],
    read(r, _current, ctx) {
      if (!layouts) checkVersion(ops(), loadVersion, r);
      const out: Obj[] = [];
      for (;;) {
        const at = r.offset;
        if (r.u8() === 0) return out;
        // Refused before the element is built: the bound is the receiver's, not the input's.
        if (out.length >= t.max) {
          fail('bound-exceeded', `${t.typeName} has more than its max of ${t.max} element(s)`, {
            offset: at,
            details: { max: t.max },
          });
        }
        const o = opsAt(out.length);
        if (layouts) checkVersion(o, loadVersion, r);
        out.push(located([out.length], () => readStruct(o, r, loadVersion, ctx)));
      }
    },
    write(w, value, ctx, describe) {
      if (!Array.isArray(value)) notA(`an array of ${t.element.name}`, value);
      if (value.length > t.max) {
        fail('bound-exceeded', `${t.typeName} holds ${value.length} element(s), above its max of ${t.max}`, {
          details: { count: value.length, max: t.max },
        });
      }
      let merged: VmdescBody | undefined;
      const described: VmdescNode[] = [];
      for (let i = 0; i < value.length; i++) {
        w.u8(1);
        const o = opsAt(i);
        const body = located([i], () => writeStruct(o, w, value[i], ctx, describe));
        if (body) described.push({ value: body });
        merged = mergeInto(merged, body);
      }
      w.u8(0);
      if (merged) rememberNodes(merged, described);
      return merged;
    },
  };
}

interface NodeOps {
  /** Undefined: a direct key (be64). */
  readonly key: Ops | undefined;
  readonly value: Ops;
}

/** `gtree`: be32 nnodes, (0x01, key, value)*, 0x00; the receiver wants exactly nnodes nodes. */
export function gtreeCodec(
  t: GTreeType,
  ops: NodeOps,
  loadVersion: number,
  layouts?: readonly NodeOps[],
): ElementCodec {
  const tree: Tree = { t, loadVersion, layouts, opsAt: (i) => layouts?.[i] ?? ops };
  return {
    typeName: 'gtree',
    fixedSize: undefined,
    compressible: false,
    initial: () => [],
    read(r, _current, ctx) {
      if (!layouts) {
        if (ops.key) checkVersion(ops.key(), loadVersion, r);
        checkVersion(ops.value(), loadVersion, r);
      }
      return readTree(tree, r, ctx);
    },
    write: (w, value, ctx, describe) => writeTree(tree, w, value, ctx, describe),
  };
}

interface Tree {
  readonly t: GTreeType;
  readonly loadVersion: number;
  readonly layouts: readonly NodeOps[] | undefined;
  /** Node i's descriptions: its own layout when a vmdesc gave one per node. */
  opsAt(i: number): NodeOps;
}

function readTree(tree: Tree, r: Reader, ctx: MigrationContext): { key: unknown; value: Obj }[] {
  const { t, loadVersion } = tree;
  const at = r.offset;
  const nnodes = r.u32();
  if (nnodes > t.max) {
    fail('bound-exceeded', `gtree node count ${nnodes} is above its max of ${t.max}`, {
      offset: at,
      details: { count: nnodes, max: t.max },
    });
  }
  const out: { key: unknown; value: Obj }[] = [];
  for (;;) {
    const marker = r.offset;
    if (r.u8() === 0) {
      if (out.length !== nnodes) {
        fail('unexpected-byte', `gtree ended after ${out.length} node(s); its count says ${nnodes}`, {
          offset: marker,
          details: { nnodes, received: out.length },
        });
      }
      return out;
    }
    if (out.length >= nnodes) {
      fail('unexpected-byte', `gtree has another node after the ${nnodes} its count says`, {
        offset: marker,
        details: { nnodes },
      });
    }
    const i = out.length;
    const node = tree.opsAt(i);
    const k = node.key?.();
    const v = node.value();
    if (tree.layouts) {
      if (k) checkVersion(k, loadVersion, r);
      checkVersion(v, loadVersion, r);
    }
    const key = k ? located([i, 'key'], () => readStruct(k, r, loadVersion, ctx)) : r.u64();
    const value = located([i, 'value'], () => readStruct(v, r, loadVersion, ctx));
    out.push({ key, value });
  }
}

function writeTree(
  tree: Tree,
  w: Writer,
  value: unknown,
  ctx: MigrationContext,
  describe: boolean,
): VmdescBody | undefined {
  const { t } = tree;
  if (!Array.isArray(value)) notA('an array of { key, value } entries', value);
  if (value.length > t.max) {
    fail('bound-exceeded', `gtree holds ${value.length} node(s), above its max of ${t.max}`, {
      details: { count: value.length, max: t.max },
    });
  }
  w.u32(value.length);
  let merged: VmdescBody | undefined;
  const described: VmdescNode[] = [];
  for (let i = 0; i < value.length; i++) {
    const entry: unknown = value[i];
    if (entry === null || typeof entry !== 'object' || !('key' in entry) || !('value' in entry)) {
      located([i], () => notA('a { key, value } entry', entry));
    }
    const { key, value: val } = entry as { key: unknown; value: unknown };
    const node = tree.opsAt(i);
    const k = node.key?.();
    w.u8(1);
    let keyBody: VmdescBody | undefined;
    if (k) keyBody = located([i, 'key'], () => writeStruct(k, w, key, ctx, describe));
    else if (typeof key === 'bigint' && key >= U64_MIN && key <= U64_MAX) w.u64(key);
    else located([i, 'key'], () => notA('a direct key (uint64 bigint)', key));
    const body = located([i, 'value'], () => writeStruct(node.value(), w, val, ctx, describe));
    if (body) described.push(keyBody ? { key: keyBody, value: body } : { value: body });
    merged = mergeInto(mergeInto(merged, keyBody), body);
  }
  w.u8(0);
  if (merged) rememberNodes(merged, described);
  return merged;
}
