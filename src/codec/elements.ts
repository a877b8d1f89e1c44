import {
  type AnyElementType,
  INT_RANGES,
  type IntType,
  type MigrationContext,
  type Vmsd,
} from '../describe/index.js';
import { fail } from '../errors/index.js';
import type { Reader, Writer } from '../wire/index.js';
import { gtreeCodec, queueCodec } from './collections.js';
import { copyBytes } from './slab.js';
import type { VmdescBody } from './vmdesc-json.js';

/** How one element of a field is read, written, defaulted and described. */
export interface ElementCodec {
  readonly typeName: string;
  /** Wire size of one element when it does not depend on the value or the state. */
  readonly fixedSize: number | undefined;
  /** True when a vmdesc may describe an array of these by its first element (spec §13.2). */
  readonly compressible: boolean;
  initial(): unknown;
  /** `current` is the receiver's value before loading: equal/le checks and null slots need it. */
  read(r: Reader, current: unknown, ctx: MigrationContext, owner: Record<string, unknown>): unknown;
  /** With `describe`, a struct returns the vmdesc body it wrote; other codecs return undefined. */
  write(
    w: Writer,
    value: unknown,
    ctx: MigrationContext,
    describe: boolean,
    owner: Record<string, unknown>,
  ): VmdescBody | undefined;
  /**
   * Optional bulk paths for `n` elements, for arrays whose elements need neither the receiver's
   * value nor the owner. They consume or write nothing and return undefined/false when the input
   * is short or a value is bad: the element-wise path then reports it at the exact index.
   */
  readArray?(r: Reader, n: number): unknown[] | undefined;
  /** Structs: the object a load of one element starts from when the receiver has none. */
  loadTarget?(): Record<string, unknown>;
  writeArray?(w: Writer, values: readonly unknown[], n: number): boolean;
}

/** The description-level operations elements need, supplied by the plan (avoids an import cycle). */
export interface StructOps {
  initial(): Record<string, unknown>;
  loadTarget(version: number): Record<string, unknown>;
  compressible: boolean;
  read(r: Reader, into: Record<string, unknown>, version: number, ctx: MigrationContext): void;
  write(
    w: Writer,
    obj: Record<string, unknown>,
    ctx: MigrationContext,
    describe: boolean,
  ): VmdescBody | undefined;
  readonly version: number;
  readonly minimumVersion: number;
  readonly name: string;
}

const [INT64_MIN, INT64_MAX] = INT_RANGES.int64;

function badValue(expected: string, value: unknown): never {
  const shown =
    typeof value === 'bigint'
      ? `${value}n`
      : typeof value === 'object'
        ? Object.prototype.toString.call(value)
        : String(value);
  return fail('invalid-value', `expected ${expected}, got ${shown}`, { details: { expected } });
}

/** Raw readers and writers per integer type, shared by every field (built once, not per field). */
const READ_RAW: Record<IntType['int'], (r: Reader) => number | bigint> = {
  uint8: (r) => r.u8(),
  uint16: (r) => r.u16(),
  uint32: (r) => r.u32(),
  uint64: (r) => r.u64(),
  int8: (r) => r.i8(),
  int16: (r) => r.i16(),
  int32: (r) => r.i32(),
  int64: (r) => r.i64(),
};
// Values reach these only after the range check, so each sees its own JavaScript type.
const WRITE_RAW: Record<IntType['int'], (w: Writer, v: never) => void> = {
  uint8: (w, v: number) => w.u8(v),
  uint16: (w, v: number) => w.u16(v),
  uint32: (w, v: number) => w.u32(v),
  uint64: (w, v: bigint) => w.u64(v),
  int8: (w, v: number) => w.u8(v & 0xff),
  int16: (w, v: number) => w.i16(v),
  int32: (w, v: number) => w.i32(v),
  int64: (w, v: bigint) => w.i64(v),
};

function intCodec(t: IntType): ElementCodec {
  const big = t.width === 8;
  const readRaw = READ_RAW[t.int];
  const writeRaw = WRITE_RAW[t.int];
  const [lo, hi] = big ? [0, 0] : (INT_RANGES[t.int] as readonly [number, number]);
  const [blo, bhi] = big ? (INT_RANGES[t.int] as readonly [bigint, bigint]) : [0n, 0n];
  const check = t.check;
  const expected = `${t.int}${big ? ' (bigint)' : ''}`;
  const plainByte = t.int === 'uint8' && check === undefined;
  return {
    typeName: t.typeName,
    fixedSize: t.width,
    compressible: true,
    ...(plainByte
      ? {
          readArray: (r: Reader, n: number) => r.byteArray(n),
          writeArray: (w: Writer, values: readonly unknown[], n: number) => w.byteArray(values, n),
        }
      : {}),
    initial: () => (big ? 0n : 0),
    read(r, current) {
      const start = r.offset;
      const v = readRaw(r);
      if (check === 'equal' && v !== current) {
        fail('not-equal', `${t.typeName}: the input has ${v}, the receiver has ${String(current)}`, {
          offset: start,
          details: { received: v, expected: current },
        });
      }
      if (check === 'le' && !((v as number) >= 0 && (v as number) <= (current as number))) {
        fail(
          'not-less-or-equal',
          `int32 le: ${v} is not within 0..${String(current)} (the receiver's value)`,
          {
            offset: start,
            details: { received: v, limit: current },
          },
        );
      }
      return v;
    },
    write(w, value) {
      if (big) {
        if (typeof value !== 'bigint' || value < blo || value > bhi) badValue(expected, value);
      } else if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
        badValue(expected, value);
      }
      writeRaw(w, value as never);
      return undefined;
    },
  };
}

const boolCodec: ElementCodec = {
  typeName: 'bool',
  fixedSize: 1,
  compressible: true,
  initial: () => false,
  // QEMU takes any non-zero byte as true; the sender writes 0 or 1.
  read: (r) => r.u8() !== 0,
  write(w, value) {
    if (typeof value !== 'boolean') badValue('boolean', value);
    w.u8(value ? 1 : 0);
    return undefined;
  },
};

const timerCodec: ElementCodec = {
  typeName: 'timer',
  fixedSize: 8,
  compressible: true,
  initial: () => -1n,
  read: (r) => r.i64(),
  write(w, value) {
    if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX) {
      badValue('timer expiry (int64 bigint, -1n when not armed)', value);
    }
    w.i64(value);
    return undefined;
  },
};

const doubleCodec: ElementCodec = {
  typeName: 'CPU_Double_U',
  fixedSize: 8,
  compressible: true,
  initial: () => 0,
  read: (r) => r.f64(),
  write(w, value) {
    if (typeof value !== 'number') badValue('number', value);
    w.f64(value);
    return undefined;
  },
};

function bufferCodec(
  size: number,
  typeName: string,
  inline?: Readonly<Record<string, unknown>>,
): ElementCodec {
  return {
    typeName,
    fixedSize: size,
    compressible: true,
    initial: () => new Uint8Array(size),
    read: (r) => copyBytes(r.peekView(size)),
    write(w, value) {
      if (!(value instanceof Uint8Array) || value.length !== size)
        badValue(`Uint8Array of ${size} bytes`, value);
      w.bytes(value);
      return inline as VmdescBody | undefined;
    },
  };
}

/** Resolves a count or size from the owner's current state (or a receiver-side function). */
export function sizeFrom(
  source: string | ((state: never, ctx: MigrationContext) => number),
  owner: Record<string, unknown>,
  ctx: MigrationContext,
): number {
  const v = typeof source === 'string' ? owner[source] : source(owner as never, ctx);
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    return fail(
      'invalid-value',
      `size source ${typeof source === 'string' ? `"${source}"` : '(function)'} is not an integer`,
      {
        details: { value: String(v) },
      },
    );
  }
  return n;
}

function vbufferCodec(t: Extract<AnyElementType, { kind: 'vbuffer' }>): ElementCodec {
  return {
    typeName: t.typeName,
    fixedSize: undefined,
    compressible: true,
    initial: () => new Uint8Array(0),
    read(r, _current, ctx, owner) {
      const start = r.offset;
      const n = sizeFrom(t.size, owner, ctx);
      // Checked before anything is allocated: the bound is the description's, not the input's.
      if (n < 0 || n > t.max) {
        fail('bound-exceeded', `buffer size ${n} is outside 0..${t.max}`, {
          offset: start,
          details: { size: n, max: t.max },
        });
      }
      return copyBytes(r.peekView(n));
    },
    write(w, value, ctx, _describe, owner) {
      const n = sizeFrom(t.size, owner, ctx);
      if (!(value instanceof Uint8Array) || value.length !== n)
        badValue(`Uint8Array of ${n} bytes (its size member)`, value);
      if (n > t.max)
        fail('bound-exceeded', `buffer size ${n} is above its max ${t.max}`, {
          details: { size: n, max: t.max },
        });
      w.bytes(value);
      return undefined;
    },
  };
}

function structCodec(
  ops: () => StructOps,
  typeName: string,
  structVersion: number | undefined,
): ElementCodec {
  return {
    typeName,
    fixedSize: undefined,
    get compressible() {
      return ops().compressible;
    },
    initial: () => ops().initial(),
    loadTarget() {
      const o = ops();
      return o.loadTarget(structVersion ?? o.version);
    },
    read(r, current, ctx) {
      const o = ops();
      const version = structVersion ?? o.version;
      const into =
        current !== null && typeof current === 'object'
          ? (current as Record<string, unknown>)
          : o.loadTarget(version);
      if (structVersion !== undefined) {
        if (version > o.version)
          fail('version-too-new', `${o.name} version ${version} is above ${o.version}`, { offset: r.offset });
        if (version < o.minimumVersion) {
          fail('version-too-old', `${o.name} version ${version} is below minimum ${o.minimumVersion}`, {
            offset: r.offset,
          });
        }
      }
      o.read(r, into, version, ctx);
      return into;
    },
    write(w, value, ctx, describe) {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        badValue(`an object for ${typeName}`, value);
      return ops().write(w, value as Record<string, unknown>, ctx, describe);
    },
  };
}

/** The byte QEMU writes for a NULL slot of an array of pointers. */
export const NULL_MARKER = 0x30;

function pointerCodec(target: ElementCodec): ElementCodec {
  return {
    typeName: target.typeName,
    fixedSize: undefined,
    compressible: false,
    initial: () => target.initial(),
    read(r, current, ctx, owner) {
      // The receiver's own slot decides: a NULL slot expects the marker (spec §8.5).
      if (current === null) {
        const start = r.offset;
        const b = r.u8();
        if (b !== NULL_MARKER) {
          fail('bad-null-marker', `expected the null marker 0x30, got 0x${b.toString(16).padStart(2, '0')}`, {
            offset: start,
          });
        }
        return null;
      }
      return target.read(r, current, ctx, owner);
    },
    write(w, value, ctx, describe, owner) {
      if (value === null) {
        w.u8(NULL_MARKER);
        return undefined;
      }
      return target.write(w, value, ctx, describe, owner);
    },
  };
}

/**
 * `loadVersion` is the field's `since`: QEMU loads list and tree elements at the field's `_V`
 * version rather than their own.
 */
export function elementCodec(
  type: AnyElementType,
  structOps: (t: { readonly vmsd: Vmsd }) => () => StructOps,
  loadVersion = 0,
): ElementCodec {
  switch (type.kind) {
    case 'int':
      return intCodec(type);
    case 'bool':
      return boolCodec;
    case 'timer':
      return timerCodec;
    case 'double':
      return doubleCodec;
    case 'buffer':
      return bufferCodec(type.size, type.typeName, type.inline);
    case 'vbuffer':
      return vbufferCodec(type);
    case 'struct':
      return structCodec(structOps(type), type.typeName, type.structVersion);
    case 'pointer':
      return pointerCodec(elementCodec(type.target, structOps, loadVersion));
    case 'queue':
      return queueCodec(
        type,
        structOps({ vmsd: type.element }),
        loadVersion,
        type.layouts?.map((vmsd) => structOps({ vmsd })),
      );
    case 'gtree':
      return gtreeCodec(
        type,
        { key: type.key ? structOps({ vmsd: type.key }) : undefined, value: structOps({ vmsd: type.value }) },
        loadVersion,
        type.layouts?.map((l) => ({
          key: l.key ? structOps({ vmsd: l.key }) : undefined,
          value: structOps({ vmsd: l.value }),
        })),
      );
  }
}
