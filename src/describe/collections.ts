import { checkSize, invalid } from './dsl.js';
import type { GTreeType, QueueType, Vmsd } from './types.js';

/** QEMU reads a tree's node count into an `int`: a count above this never loads. */
const GTREE_MAX_NODES = 0x7fff_ffff;

export interface QueueOptions {
  /** The most elements the receiver accepts: one more in the input is refused before allocating. */
  max: number;
}

function queue<S>(typeName: 'qtailq' | 'qlist', element: Vmsd<S>, options: QueueOptions): QueueType<S> {
  checkSize(options.max, `${typeName} max`);
  return Object.freeze({ kind: 'queue', typeName, element, max: options.max }) as QueueType<S>;
}

/**
 * A QTAILQ of structs (QEMU `VMSTATE_QTAILQ_V`): state `S[]`, head first. Give the `_V` version
 * as the field's `since`: QEMU loads the elements at that version.
 *
 * ```ts
 * field('q', qtailq(element, { max: 64 }), { since: 1 })
 * ```
 */
export function qtailq<S>(element: Vmsd<S>, options: QueueOptions): QueueType<S> {
  return queue('qtailq', element, options);
}

/** A QLIST of structs (QEMU `VMSTATE_QLIST_V`): the same bytes as `qtailq`, head to tail. */
export function qlist<S>(element: Vmsd<S>, options: QueueOptions): QueueType<S> {
  return queue('qlist', element, options);
}

export interface GTreeOptions<K, V> {
  /**
   * `'direct'` (QEMU `VMSTATE_GTREE_DIRECT_KEY_V`): the key is the pointer value itself, a be64
   * read as `bigint`. A description (`VMSTATE_GTREE_V`): the key is a struct.
   */
  key: 'direct' | Vmsd<K>;
  value: Vmsd<V>;
  /** The most nodes the receiver accepts; a larger count in the input is refused before allocating. */
  max: number;
}

/**
 * A GLib tree (QEMU `VMSTATE_GTREE_V` / `VMSTATE_GTREE_DIRECT_KEY_V`): state
 * `{ key, value }[]` in wire order. QEMU sends nodes sorted by the tree's comparison function,
 * which the wire does not carry: a save writes the entries in the order given, so keep them
 * sorted to produce QEMU's bytes. Duplicate keys are kept as they arrived (QEMU's receiver keeps
 * the last value). Give the `_V` version as the field's `since`.
 */
export function gtree<V>(options: GTreeOptions<never, V> & { key: 'direct' }): GTreeType<bigint, V>;
export function gtree<K, V>(options: GTreeOptions<K, V> & { key: Vmsd<K> }): GTreeType<K, V>;
export function gtree<K, V>(options: GTreeOptions<K, V>): GTreeType<K | bigint, V> {
  checkSize(options.max, 'gtree max');
  if (options.max > GTREE_MAX_NODES) invalid(`gtree max ${options.max} is above QEMU's ${GTREE_MAX_NODES}`);
  return Object.freeze({
    kind: 'gtree',
    typeName: 'gtree',
    key: options.key === 'direct' ? undefined : options.key,
    value: options.value,
    max: options.max,
  }) as GTreeType<K | bigint, V>;
}
