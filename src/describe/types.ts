import type { MigrationContext } from './context.js';

/**
 * Element types: what one element of a field looks like on the wire. Each is frozen plain data
 * with a `kind` discriminant and a type-only slot `~value` carrying the decoded TypeScript type.
 */

/** The QEMU primitive codecs with a fixed width (spec §8.6). */
export type IntName = 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'int8' | 'int16' | 'int32' | 'int64';

/** How a loaded scalar is checked against the receiver's own value before it replaces it. */
export type ScalarCheck = 'equal' | 'le';

interface Typed<T> {
  /** Type-only: never present at run time. */
  readonly '~value'?: T;
}

export interface IntType<T extends number | bigint = number | bigint> extends Typed<T> {
  readonly kind: 'int';
  readonly int: IntName;
  readonly width: 1 | 2 | 4 | 8;
  readonly signed: boolean;
  /** The name QEMU writes in the vmdesc (e.g. "uint8", "int32 le", "int64 equal"). */
  readonly typeName: string;
  readonly check?: ScalarCheck;
}

export interface BoolType extends Typed<boolean> {
  readonly kind: 'bool';
  readonly typeName: 'bool';
}

/** QEMU timers: the expiry time in ns as a be64; -1 means "not armed". */
export interface TimerType extends Typed<bigint> {
  readonly kind: 'timer';
  readonly typeName: 'timer';
}

/** IEEE-754 double as QEMU's CPU_Double_U (high word, then low word). */
export interface DoubleType extends Typed<number> {
  readonly kind: 'double';
  readonly typeName: 'CPU_Double_U';
}

/** Fixed-size bytes. `typeName` lets opaque QEMU codecs ("pci config") be carried as bytes. */
export interface BufferType extends Typed<Uint8Array> {
  readonly kind: 'buffer';
  readonly size: number;
  readonly typeName: string;
  /**
   * Built from a vmdesc field carried as bytes whose entry also had nested description members
   * (a gtree's): they are described again with the bytes, so the vmdesc stays the same.
   */
  readonly inline?: Readonly<Record<string, unknown>>;
}

/** Bytes whose length is the current value of another field (QEMU VMS_VBUFFER). */
export interface VBufferType extends Typed<Uint8Array> {
  readonly kind: 'vbuffer';
  readonly size: SizeSource;
  /** Declared upper bound: a larger size read from the input is refused before allocating. */
  readonly max: number;
  readonly typeName: string;
}

/** A nested description, saved and loaded at its own local version (VMS_STRUCT). */
export interface StructType<T = unknown> extends Typed<T> {
  readonly kind: 'struct';
  readonly vmsd: Vmsd<T>;
  /** VMS_VSTRUCT: loaded at this version instead of the nested description's own. */
  readonly structVersion?: number;
  /** "struct", "vstruct" or "tmp": how QEMU names it in the vmdesc. */
  readonly typeName: 'struct' | 'vstruct' | 'tmp';
}

/** A slot of an array of pointers: `null` travels as the single byte 0x30. */
export interface PointerType<T = unknown> extends Typed<T | null> {
  readonly kind: 'pointer';
  readonly target: AnyElementType;
  readonly typeName: string;
}

/**
 * A QEMU linked list of structs (`VMSTATE_QTAILQ_V`, `VMSTATE_QLIST_V`; the same bytes): per
 * element the byte 0x01 and its body, then 0x00. Elements load at the field's `since` (QEMU's
 * `_V` argument) and save at their own description's version, as QEMU does.
 */
export interface QueueType<T = unknown> extends Typed<T[]> {
  readonly kind: 'queue';
  readonly typeName: 'qtailq' | 'qlist';
  readonly element: Vmsd<T>;
  /** Declared capacity: an element beyond it in the input is refused before it is allocated. */
  readonly max: number;
  /**
   * Built from a stream's vmdesc, which describes every element: element i has exactly the
   * layout of `layouts[i]` (sizes of buffers, subsections sent). `max` is then their number.
   */
  readonly layouts?: readonly Vmsd<T>[];
}

/** One node of a `gtree` field, in wire order. */
export interface GTreeEntry<K, V> {
  key: K;
  value: V;
}

/**
 * A GLib balanced tree (`VMSTATE_GTREE_V`, `VMSTATE_GTREE_DIRECT_KEY_V`): be32 node count, per
 * node 0x01, the key (be64 for a direct key, else the key description's body) and the value's
 * body, then 0x00. Keys and values load at the field's `since`.
 */
export interface GTreeType<K = unknown, V = unknown> extends Typed<GTreeEntry<K, V>[]> {
  readonly kind: 'gtree';
  readonly typeName: 'gtree';
  /** `undefined`: a direct key, the pointer value itself as a be64 (`bigint`). */
  readonly key: Vmsd<K> | undefined;
  readonly value: Vmsd<V>;
  /** Declared capacity: a larger node count in the input is refused before anything is allocated. */
  readonly max: number;
  /** Built from a stream's vmdesc: node i has exactly these layouts (see QueueType.layouts). */
  readonly layouts?: readonly { readonly key?: Vmsd<K>; readonly value: Vmsd<V> }[];
}

export type AnyElementType =
  | IntType
  | BoolType
  | TimerType
  | DoubleType
  | BufferType
  | VBufferType
  // biome-ignore lint/suspicious/noExplicitAny: any description may nest
  | StructType<any>
  // biome-ignore lint/suspicious/noExplicitAny: any target may be pointed to
  | PointerType<any>
  // biome-ignore lint/suspicious/noExplicitAny: any element description
  | QueueType<any>
  // biome-ignore lint/suspicious/noExplicitAny: any key and value descriptions
  | GTreeType<any, any>;

export type ValueOf<T> = T extends { readonly '~value'?: infer V } ? V : never;

/** Where a count or size comes from: another field's current value, or a receiver-side function. */
// biome-ignore lint/suspicious/noExplicitAny: state of the enclosing description
export type SizeSource = string | ((state: any, ctx: MigrationContext) => number);

/** Integer member types QEMU uses for variable counts. */
export type CountWidth = 'uint8' | 'uint16' | 'uint32' | 'int32';

/** How many elements a field has. */
export type Count =
  | { readonly kind: 'one' }
  | { readonly kind: 'fixed'; readonly n: number }
  | {
      readonly kind: 'var';
      readonly from: SizeSource;
      readonly width: CountWidth;
      /** Declared capacity: a larger count read from the input is refused before allocating. */
      readonly max: number;
      /** VMS_MULTIPLY_ELEMENTS: the count is multiplied by this. */
      readonly multiply: number;
    };

// biome-ignore lint/suspicious/noExplicitAny: predicates see the enclosing description's state
export type Predicate = (state: any, ctx: MigrationContext, version: number) => boolean;

/** One entry of a description's field list. */
export interface Field<K extends string = string, T = unknown> {
  readonly kind: 'field';
  /** The name QEMU shows (vmdesc, -dump-vmstate, analyze output). */
  readonly name: string;
  /** The state member this field reads and writes; `undefined` for padding and validators. */
  readonly key: K | undefined;
  readonly type: AnyElementType;
  readonly count: Count;
  /** Exists only when the description's stream version is at least this (QEMU `_V`). */
  readonly since: number;
  /** Exists only when this returns true (QEMU `_TEST`); `since` is then ignored, as in QEMU. */
  readonly existsIf?: Predicate;
  /** Not existing is a load error (QEMU VMS_MUST_EXIST). */
  readonly mustExist: boolean;
  /** Padding: zeros on save, discarded on load unless `key` keeps them. */
  readonly unused: boolean;
  /** A validator: no bytes; `existsIf` is the check, run at this point of the field list. */
  readonly validator: boolean;
  /** The receiver's value for this field before anything is loaded. */
  readonly default?: unknown;
  /** Type-only. */
  readonly '~value'?: T;
}

export interface HookInfo {
  readonly ctx: MigrationContext;
  readonly version: number;
}

/**
 * A description: QEMU's VMStateDescription as frozen data. `S` is the state type the
 * description saves and loads (inferred; read it with `Infer<typeof d>`).
 */
export interface Vmsd<S = unknown> {
  readonly kind: 'vmsd';
  readonly name: string;
  readonly version: number;
  readonly minimumVersion: number;
  readonly fields: readonly Field[];
  readonly subsections: readonly Subsection[];
  /** Whole-section predicate: a top-level description whose `needed` is false sends no section. */
  needed?(state: S, ctx: MigrationContext): boolean;
  preSave?(state: S, info: HookInfo): void;
  postSave?(state: S, info: HookInfo): void;
  preLoad?(state: S, info: HookInfo): void;
  /** Return a string (or false) to reject the loaded state; that fails the load. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a hook that returns nothing accepts the state
  postLoad?(state: S, info: HookInfo): string | boolean | undefined | void;
  /** Type-only. */
  readonly '~value'?: S;
}

/** A subsection: a description sent after its parent's fields when `needed` says so. */
// biome-ignore lint/suspicious/noExplicitAny: a subsection works on its parent's object
export interface Subsection extends Vmsd<any> {
  /**
   * Where the subsection's fields live. Omitted: on the parent's object, as QEMU does.
   * Set: under this key of the parent's state, present only when the subsection is (used by
   * descriptions built from a stream's vmdesc, whose state mirrors what arrived).
   */
  readonly nestedKey?: string;
  /** Machine-type properties the `needed` predicate reads: lets tools say "fails only when X". */
  readonly dependsOn: readonly string[];
}
