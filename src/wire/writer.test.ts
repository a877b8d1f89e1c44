import { describe, expect, it } from 'vitest';
import { Writer } from './writer.js';

describe('Writer over a given buffer', () => {
  it('returns the given buffer itself only when it wrote exactly that many bytes', () => {
    const exact = new Uint8Array(3);
    const w = new Writer(exact);
    w.u8(1);
    w.u16(0x0203);
    expect(w.result(exact)).toBe(exact);
    expect(Array.from(exact)).toStrictEqual([1, 2, 3]);

    const roomy = new Uint8Array(8);
    const short = new Writer(roomy);
    short.u16(0x0405);
    const out = short.result(roomy);
    expect(out).not.toBe(roomy);
    expect(Array.from(out)).toStrictEqual([4, 5]);
  });

  it('grows past a too small (even empty) buffer, keeping what it wrote', () => {
    for (const given of [new Uint8Array(0), new Uint8Array(2)]) {
      const w = new Writer(given);
      w.u32(0x01020304);
      w.u64(0x05060708090a0b0cn);
      w.f64(1.5);
      const out = w.result(given);
      expect(out).not.toBe(given);
      expect(Array.from(out.subarray(0, 12))).toStrictEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(new DataView(out.buffer, out.byteOffset + 12).getFloat64(0)).toBe(1.5);
    }
  });

  it('byteArray writes nothing for a bad value, wherever it stands', () => {
    let valueOfCalls = 0;
    const sneaky = {
      valueOf() {
        valueOfCalls++;
        return 1;
      },
    };
    const bads = [
      256,
      -1,
      0.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      2 ** 32 + 1,
      '1',
      1n,
      Symbol('x'),
      undefined,
      null,
      {},
      sneaky,
    ];
    for (const bad of bads) {
      for (const at of [0, 3, 4, 6]) {
        const values: unknown[] = [1, 2, 3, 4, 5, 6, 7];
        values[at] = bad;
        const w = new Writer(4);
        w.u8(9);
        expect(w.byteArray(values, 7)).toBe(false);
        expect(Array.from(w.finish())).toStrictEqual([9]);
      }
    }
    // Checked before any conversion: a state's object is never asked for its value.
    expect(valueOfCalls).toBe(0);
    const w = new Writer(4);
    expect(w.byteArray([1, 2, 3, 4, 5, 6, -0, 255, 0], 9)).toBe(true);
    expect(Array.from(w.finish())).toStrictEqual([1, 2, 3, 4, 5, 6, 0, 255, 0]);
  });
});
