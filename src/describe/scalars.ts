import type { BoolType, DoubleType, IntName, IntType, TimerType } from './types.js';

function int<T extends number | bigint>(int: IntName, width: 1 | 2 | 4 | 8, signed: boolean): IntType<T> {
  return Object.freeze({ kind: 'int', int, width, signed, typeName: int }) as IntType<T>;
}

export const uint8: IntType<number> = int('uint8', 1, false);
export const uint16: IntType<number> = int('uint16', 2, false);
export const uint32: IntType<number> = int('uint32', 4, false);
export const uint64: IntType<bigint> = int('uint64', 8, false);
export const int8: IntType<number> = int('int8', 1, true);
export const int16: IntType<number> = int('int16', 2, true);
export const int32: IntType<number> = int('int32', 4, true);
export const int64: IntType<bigint> = int('int64', 8, true);

export const bool: BoolType = Object.freeze({ kind: 'bool', typeName: 'bool' });
export const timer: TimerType = Object.freeze({ kind: 'timer', typeName: 'timer' });
export const double: DoubleType = Object.freeze({ kind: 'double', typeName: 'CPU_Double_U' });

/** A timer's value when it is not armed. */
export const TIMER_NOT_ARMED = -1n;

/** QEMU's names for the "must equal the receiver's value" codecs (uint64 uses "int64 equal"). */
const EQUAL_NAMES: Record<IntName, string | undefined> = {
  uint8: 'uint8 equal',
  uint16: 'uint16 equal',
  uint32: 'uint32 equal',
  uint64: 'int64 equal',
  int32: 'int32 equal',
  int8: undefined,
  int16: undefined,
  int64: undefined,
};

/**
 * The loaded value must equal the receiver's own (QEMU `_EQUAL`): for sizes and counts that are
 * configuration, not state, so a hostile stream cannot change them.
 */
export function equal<T extends number | bigint>(type: IntType<T>): IntType<T> {
  const typeName = EQUAL_NAMES[type.int];
  if (typeName === undefined) throw new TypeError(`QEMU has no "equal" codec for ${type.int}`);
  return Object.freeze({ ...type, typeName, check: 'equal' }) as IntType<T>;
}

/** QEMU `VMSTATE_INT32_POSITIVE_LE`: 0 ≤ loaded ≤ the receiver's current value. Big-endian. */
export const int32Le: IntType<number> = Object.freeze({
  ...int32,
  typeName: 'int32 le',
  check: 'le',
}) as IntType<number>;

type BigIntName = 'uint64' | 'int64';

/**
 * The values each integer type holds (QEMU's C types): numbers up to 32 bits, bigints for 64.
 * The one table the codec's checks, its generated code and the state generator all use.
 */
export const INT_RANGES: {
  readonly [K in IntName]: K extends BigIntName ? readonly [bigint, bigint] : readonly [number, number];
} = Object.freeze({
  uint8: [0, 0xff],
  uint16: [0, 0xffff],
  uint32: [0, 0xffffffff],
  int8: [-0x80, 0x7f],
  int16: [-0x8000, 0x7fff],
  int32: [-0x80000000, 0x7fffffff],
  uint64: [0n, 0xffff_ffff_ffff_ffffn],
  int64: [-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn],
});
