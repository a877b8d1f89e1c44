import { fail } from '../errors/index.js';
import type { MigrationContext } from './context.js';
import type { FieldsState, Simplify, SubsectionsState } from './infer.js';
import type {
  AnyElementType,
  BufferType,
  Count,
  CountWidth,
  Field,
  HookInfo,
  PointerType,
  SizeSource,
  StructType,
  Subsection,
  ValueOf,
  VBufferType,
  Vmsd,
} from './types.js';

/** A field's element type repeated: `array(uint16, 2)`, `varray(uint8, { count: 'n', max: 32 })`. */
export interface ArraySpec<T = unknown> {
  readonly kind: 'array';
  readonly element: AnyElementType;
  readonly count: Count;
  readonly '~value'?: T;
}

const ONE: Count = Object.freeze({ kind: 'one' });

/** @internal */
export function invalid(message: string, path: string[] = []): never {
  return fail('invalid-description', message, { path });
}

/** @internal */
export function checkSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) invalid(`${what} must be a non-negative integer, got ${n}`);
}

/** QEMU's list and tree codecs are whole fields (VMStateInfo), never array elements or pointees. */
function checkRepeatable(element: AnyElementType, what: string): void {
  if (element.kind === 'queue' || element.kind === 'gtree') {
    invalid(
      `${what} of ${element.typeName}: QEMU's ${element.typeName} is a field of its own, never repeated`,
    );
  }
}

/** `n` elements back to back (QEMU `_ARRAY`). */
export function array<T extends AnyElementType>(element: T, n: number): ArraySpec<ValueOf<T>[]> {
  checkSize(n, 'array length');
  checkRepeatable(element, 'an array');
  return Object.freeze({ kind: 'array', element, count: Object.freeze({ kind: 'fixed', n }) });
}

/**
 * As many elements as another member says (QEMU `VARRAY_*`). `max` is the capacity the receiver
 * has: a larger count read from the input is refused before anything is allocated.
 */
export function varray<T extends AnyElementType>(
  element: T,
  options: { count: SizeSource; max: number; width?: CountWidth; multiply?: number },
): ArraySpec<ValueOf<T>[]> {
  checkSize(options.max, 'varray max');
  checkRepeatable(element, 'a varray');
  const multiply = options.multiply ?? 1;
  checkSize(multiply, 'varray multiply');
  return Object.freeze({
    kind: 'array',
    element,
    count: Object.freeze({
      kind: 'var',
      from: options.count,
      width: options.width ?? 'int32',
      max: options.max,
      multiply,
    }),
  });
}

/** `size` raw bytes (QEMU `VMSTATE_BUFFER`); `typeName` carries opaque codecs ("pci config"). */
export function buffer(size: number, typeName = 'buffer'): BufferType {
  checkSize(size, 'buffer size');
  return Object.freeze({ kind: 'buffer', size, typeName });
}

/** Bytes whose length is another member's value (QEMU `VMSTATE_VBUFFER`), at most `max`. */
export function vbuffer(options: { size: SizeSource; max: number; typeName?: string }): VBufferType {
  checkSize(options.max, 'vbuffer max');
  return Object.freeze({
    kind: 'vbuffer',
    size: options.size,
    max: options.max,
    typeName: options.typeName ?? 'buffer',
  });
}

/** A nested description (QEMU `VMSTATE_STRUCT`): no version on the wire, its own version used. */
export function struct<S>(vmsd: Vmsd<S>): StructType<S> {
  return Object.freeze({ kind: 'struct', vmsd, typeName: 'struct' }) as StructType<S>;
}

/** A nested description loaded at a fixed version (QEMU `VMSTATE_VSTRUCT`). */
export function vstruct<S>(vmsd: Vmsd<S>, structVersion: number): StructType<S> {
  return Object.freeze({ kind: 'struct', vmsd, structVersion, typeName: 'vstruct' }) as StructType<S>;
}

/** QEMU `VMSTATE_WITH_TMP`: an inline body computed from the parent (its state nests under the key). */
export function tmp<S>(vmsd: Vmsd<S>): StructType<S> {
  return Object.freeze({ kind: 'struct', vmsd, structVersion: 0, typeName: 'tmp' }) as StructType<S>;
}

/** A slot of an array of pointers: `null` is written as the byte 0x30 (QEMU VMS_ARRAY_OF_POINTER). */
export function pointer<T extends AnyElementType>(target: T): PointerType<ValueOf<T>> {
  checkRepeatable(target, 'a pointer');
  return Object.freeze({ kind: 'pointer', target, typeName: target.typeName }) as PointerType<ValueOf<T>>;
}

export interface FieldOptions {
  /** The state member, when it differs from the name (QEMU names such as "env.cr[0]" need none). */
  key?: string;
  /** Exists only at stream versions ≥ since (QEMU `_V`). */
  since?: number;
  /**
   * Exists only when this holds (QEMU `_TEST`); overrides `since`, as in QEMU. It sees the state
   * loaded so far (a field is built before its description, so the state is not typed here).
   */
  // biome-ignore lint/suspicious/noExplicitAny: see above
  existsIf?: (state: any, ctx: MigrationContext, version: number) => boolean;
  /** Absence is a load error (QEMU VMS_MUST_EXIST). */
  mustExist?: boolean;
  /** The receiver's value before loading (defaults: 0, 0n, false, zero bytes). */
  default?: unknown;
}

type KeyOf<N extends string, O> = O extends { key: infer K extends string } ? K : N;

/** One field: `field('count', uint16)`, `field('regs', array(uint16, 2), { since: 2 })`. */
export function field<
  const N extends string,
  T extends AnyElementType | ArraySpec,
  const O extends FieldOptions = FieldOptions,
>(name: N, type: T, options?: O): Field<KeyOf<N, O>, ValueOf<T>> {
  if (name.length === 0) invalid('a field needs a name');
  const t: AnyElementType | ArraySpec = type;
  const spec = t.kind === 'array' ? t : undefined;
  const element = t.kind === 'array' ? t.element : t;
  const since = options?.since ?? 0;
  checkSize(since, `field "${name}" since`);
  return Object.freeze({
    kind: 'field',
    name,
    key: (options?.key ?? name) as KeyOf<N, O>,
    type: element,
    count: spec ? spec.count : ONE,
    since,
    ...(options?.existsIf ? { existsIf: options.existsIf } : {}),
    mustExist: options?.mustExist ?? false,
    unused: false,
    validator: false,
    ...(options && 'default' in options ? { default: options.default } : {}),
  });
}

/**
 * Padding (QEMU `VMSTATE_UNUSED`): `size` bytes, zeros on save, ignored on load. Give `key` to keep
 * the bytes that arrived in the state (lossless tools do), and `since`/`existsIf` as for fields.
 */
export function unused<const O extends Omit<FieldOptions, 'default' | 'mustExist'> = Record<never, never>>(
  size: number,
  options?: O & { name?: string },
): Field<O extends { key: infer K extends string } ? K : never, Uint8Array> {
  checkSize(size, 'unused size');
  return Object.freeze({
    kind: 'field',
    name: options?.name ?? 'unused',
    key: options?.key as never,
    type: buffer(size, 'unused_buffer'),
    count: ONE,
    since: options?.since ?? 0,
    ...(options?.existsIf ? { existsIf: options.existsIf } : {}),
    mustExist: false,
    unused: true,
    validator: false,
  });
}

/**
 * A check between fields (QEMU `VMSTATE_VALIDATE`): no bytes; when `check` is false the load fails.
 * Put it between a count and the array it sizes so the count is checked before it is used.
 */
export function validate(
  name: string,
  // biome-ignore lint/suspicious/noExplicitAny: sees the state loaded so far
  check: (state: any, ctx: MigrationContext) => boolean,
): Field<never, never> {
  return Object.freeze({
    kind: 'field',
    name,
    key: undefined,
    type: buffer(0),
    count: Object.freeze({ kind: 'fixed', n: 0 }),
    since: 0,
    existsIf: (state: unknown, ctx: MigrationContext) => check(state, ctx),
    mustExist: true,
    unused: false,
    validator: true,
  });
}

interface DescriptionOptions<S> {
  /** Written in section and subsection headers; a receiver refuses a higher one. Default 0. */
  version?: number;
  /** The oldest stream version the receiver still loads. Default 0. */
  minimumVersion?: number;
  preSave?(state: S, info: HookInfo): void;
  postSave?(state: S, info: HookInfo): void;
  /** Runs on the receiving object before any field: set sentinels and prevalent values here. */
  preLoad?(state: S, info: HookInfo): void;
  /** Runs after the fields and all subsections; return a string or false to refuse the state. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a hook that returns nothing accepts the state
  postLoad?(state: S, info: HookInfo): string | boolean | undefined | void;
}

export interface SubsectionOptions<P, SF extends readonly Field[], Subs extends readonly unknown[]>
  extends DescriptionOptions<Simplify<P & FieldsState<SF>>> {
  fields: SF;
  /** Sent only when this returns true (absent: always sent). It sees the parent's state. */
  needed?(state: Simplify<P & FieldsState<SF>>, ctx: MigrationContext): boolean;
  /** Machine-type properties `needed` reads, so tools can say "sent only when X". */
  dependsOn?: readonly string[];
  /** Keep the subsection's fields under this key, present only when the subsection is. */
  nestedKey?: string;
  subsections?: (sub: SubsectionBuilder<Simplify<P & FieldsState<SF>>>) => Subs;
}

export type SubsectionOf<A> = Subsection & { readonly '~adds'?: A };

export type SubsectionBuilder<P> = <
  const SF extends readonly Field[],
  const Subs extends readonly unknown[] = [],
  const NK extends string | undefined = undefined,
>(
  name: string,
  options: SubsectionOptions<P, SF, Subs> & { nestedKey?: NK },
) => SubsectionOf<
  NK extends string
    ? { [K in NK]?: Simplify<FieldsState<SF> & SubsectionsState<Subs>> }
    : FieldsState<SF> & SubsectionsState<Subs>
>;

function freezeDescription(
  name: string,
  options: DescriptionOptions<unknown> & { fields: readonly Field[]; subsections?: unknown },
  subsections: readonly Subsection[],
  extra: Record<string, unknown>,
): Vmsd<unknown> {
  if (name.length === 0 || name.length > 255) invalid(`a description name must have 1..255 bytes: "${name}"`);
  const version = options.version ?? 0;
  const minimumVersion = options.minimumVersion ?? 0;
  checkSize(version, `${name} version`);
  checkSize(minimumVersion, `${name} minimumVersion`);
  if (minimumVersion > version)
    invalid(`minimumVersion ${minimumVersion} is above version ${version}`, [name]);
  const seen = new Set<string>();
  for (const s of subsections) {
    // QEMU finds a subsection by a byte-prefix test against the parent's name.
    if (!s.name.startsWith(name) || s.name.length < name.length + 1) {
      invalid(`subsection "${s.name}" must start with its parent's name "${name}" and be longer`, [name]);
    }
    if (seen.has(s.name)) invalid(`subsection "${s.name}" is declared twice`, [name]);
    seen.add(s.name);
  }
  const hooks: Record<string, unknown> = {};
  for (const hook of ['preSave', 'postSave', 'preLoad', 'postLoad'] as const) {
    if (options[hook]) hooks[hook] = options[hook];
  }
  return Object.freeze({
    kind: 'vmsd',
    name,
    version,
    minimumVersion,
    fields: Object.freeze([...options.fields]),
    subsections: Object.freeze([...subsections]),
    ...hooks,
    ...extra,
  }) as Vmsd<unknown>;
}

const subsectionBuilder = ((
  name: string,
  options: SubsectionOptions<unknown, readonly Field[], readonly unknown[]>,
) => {
  const nested = options.subsections ? (options.subsections(subsectionBuilder as never) as Subsection[]) : [];
  const extra: Record<string, unknown> = { dependsOn: Object.freeze([...(options.dependsOn ?? [])]) };
  if (options.needed) extra.needed = options.needed;
  if (options.nestedKey !== undefined) extra.nestedKey = options.nestedKey;
  return freezeDescription(name, options, nested, extra);
}) as SubsectionBuilder<unknown>;

export interface VmsdOptions<F extends readonly Field[], Subs extends readonly unknown[]>
  extends DescriptionOptions<Simplify<FieldsState<F> & SubsectionsState<Subs>>> {
  fields: F;
  /**
   * Declared through a builder so each `needed` sees the parent's typed state. Declare it before
   * the hooks: TypeScript infers from left to right, and the hooks' state includes subsections.
   */
  subsections?: (sub: SubsectionBuilder<FieldsState<F>>) => Subs;
  /** Top level only: when false, the device sends no section at all. */
  needed?(state: Simplify<FieldsState<F> & SubsectionsState<Subs>>, ctx: MigrationContext): boolean;
}

/**
 * Describes a piece of state once; its TypeScript type is inferred (`Infer<typeof d>`).
 *
 * ```ts
 * const mydev = vmsd('mydev', {
 *   version: 2, minimumVersion: 1,
 *   fields: [field('ctrl', uint8), field('base', uint32, { since: 2 })],
 *   subsections: (sub) => [sub('mydev/extra', { version: 1, fields: [field('ts', uint64)], needed: (s) => s.ts !== 0n })],
 * });
 * ```
 */
export function vmsd<const F extends readonly Field[], const Subs extends readonly unknown[] = []>(
  name: string,
  options: VmsdOptions<F, Subs>,
): Vmsd<Simplify<FieldsState<F> & SubsectionsState<Subs>>> {
  const subs = options.subsections
    ? (options.subsections(subsectionBuilder as never) as unknown as Subsection[])
    : [];
  const extra: Record<string, unknown> = {};
  if (options.needed) extra.needed = options.needed;
  return freezeDescription(name, options as never, subs, extra) as never;
}

/** A description's parts as data, for tools that build descriptions (vmdesc, -dump-vmstate). */
export interface DescriptionParts {
  version: number;
  minimumVersion: number;
  fields: readonly Field[];
  subsections: readonly Subsection[];
}

/** For tools that build descriptions from data (vmdesc, -dump-vmstate): no typing, same checks. */
export function vmsdFromParts(name: string, parts: DescriptionParts): Vmsd<Record<string, unknown>> {
  return freezeDescription(name, parts, parts.subsections, {}) as Vmsd<Record<string, unknown>>;
}

/** For tools that build subsections from data. */
export function subsectionFromParts(
  name: string,
  parts: DescriptionParts & {
    nestedKey?: string;
    dependsOn?: readonly string[];
    needed?: (state: Record<string, unknown>, ctx: MigrationContext) => boolean;
  },
): Subsection {
  const extra: Record<string, unknown> = { dependsOn: Object.freeze([...(parts.dependsOn ?? [])]) };
  if (parts.needed) extra.needed = parts.needed;
  if (parts.nestedKey !== undefined) extra.nestedKey = parts.nestedKey;
  return freezeDescription(name, parts, parts.subsections, extra) as Subsection;
}

/** A field built from data (vmdesc/dump importers), keyed by its name. */
export function fieldFromParts(parts: {
  name: string;
  key?: string | undefined;
  type: AnyElementType;
  count?: Count;
  since?: number;
  unused?: boolean;
}): Field {
  return Object.freeze({
    kind: 'field',
    name: parts.name,
    key: parts.key,
    type: parts.type,
    count: parts.count ?? ONE,
    since: parts.since ?? 0,
    mustExist: false,
    unused: parts.unused ?? false,
    validator: false,
  });
}
