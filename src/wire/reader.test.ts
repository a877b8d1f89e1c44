import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MigrationError } from '../errors/index.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

function thrown(f: () => unknown): MigrationError {
  try {
    f();
  } catch (e) {
    if (e instanceof MigrationError) return e;
    throw e;
  }
  throw new Error('expected a MigrationError');
}

describe('Reader.take', () => {
  it('returns an independent plain Uint8Array even when the input is a Node Buffer', () => {
    const input = Buffer.from([1, 2, 3, 4, 5]);
    const r = new Reader(input);
    r.skip(1);
    const taken = r.take(3);
    expect(taken.constructor).toBe(Uint8Array);
    expect(Array.from(taken)).toEqual([2, 3, 4]);
    input[1] = 99;
    taken[1] = 77;
    expect(Array.from(taken)).toEqual([2, 77, 4]);
    expect(input[2]).toBe(3);
    expect(taken.buffer).not.toBe(input.buffer);
  });

  it('copies out of a view into a larger buffer', () => {
    const backing = Uint8Array.of(9, 9, 1, 2, 3, 9);
    const r = new Reader(backing.subarray(2, 5), { base: 2 });
    const taken = r.take(3);
    backing[2] = 0;
    expect(Array.from(taken)).toEqual([1, 2, 3]);
  });

  it('refuses to read past the end, with the absolute offset, before allocating', () => {
    const r = new Reader(Uint8Array.of(1, 2), { base: 10 });
    r.u8();
    expect(thrown(() => r.take(0x7fffffff)).issues[0]).toMatchObject({ code: 'truncated', offset: 11 });
  });
});

describe('integer reads agree with DataView', () => {
  it('for every width and sign, on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (b) => {
        const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
        const at = (f: (r: Reader) => unknown) => f(new Reader(b));
        expect(at((r) => r.u8())).toBe(view.getUint8(0));
        expect(at((r) => r.i8())).toBe(view.getInt8(0));
        expect(at((r) => r.u16())).toBe(view.getUint16(0));
        expect(at((r) => r.i16())).toBe(view.getInt16(0));
        expect(at((r) => r.u32())).toBe(view.getUint32(0));
        expect(at((r) => r.i32())).toBe(view.getInt32(0));
        expect(at((r) => r.u64())).toBe(view.getBigUint64(0));
        expect(at((r) => r.i64())).toBe(view.getBigInt64(0));
        expect(
          Object.is(
            at((r) => r.f64()),
            view.getFloat64(0),
          ),
        ).toBe(true);
      }),
    );
  });

  it('reads through a Buffer that is a view into a larger pool', () => {
    const pool = Buffer.alloc(64, 0xee);
    const b = pool.subarray(5, 13);
    b.writeBigInt64BE(-2n, 0);
    expect(new Reader(b).i64()).toBe(-2n);
    expect(new Reader(b).i32()).toBe(-1);
  });

  it('reports truncation at the absolute offset of the read', () => {
    const r = new Reader(Uint8Array.of(1, 2, 3), { base: 100 });
    r.u8();
    expect(thrown(() => r.u32()).issues[0]).toMatchObject({ code: 'truncated', offset: 101 });
    expect(r.pos).toBe(1);
  });
});

describe('integer writes agree with DataView', () => {
  it('including out-of-range and negative inputs (same truncation)', () => {
    const values = fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.double({ noNaN: false }));
    fc.assert(
      fc.property(values, (v) => {
        const w = new Writer(16);
        w.u16(v);
        w.i16(v);
        w.u32(v);
        w.i32(v);
        const expected = new DataView(new ArrayBuffer(12));
        expected.setUint16(0, v);
        expected.setInt16(2, v);
        expected.setUint32(4, v);
        expected.setInt32(8, v);
        expect(Array.from(w.finish())).toEqual(Array.from(new Uint8Array(expected.buffer)));
      }),
    );
  });

  it('byteArray writes byte values and grows the buffer', () => {
    const w = new Writer(16);
    const values = Array.from({ length: 100 }, (_, i) => (i * 7) & 0xff);
    w.u8(1);
    w.byteArray(values, 100);
    expect(Array.from(w.finish())).toEqual([1, ...values]);
    expect(w.capacity).toBeGreaterThanOrEqual(101);
  });
});
