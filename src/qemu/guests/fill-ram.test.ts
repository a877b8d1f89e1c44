import { describe, expect, it } from 'vitest';
import { fillRamCode, fillRamGuest } from './fill-ram.js';
import { ltimToggleGuest } from './ltim-toggle.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('preflight guests', () => {
  it('fill-ram: 1 GiB then LTIM is the program GNU as assembles', () => {
    // GNU as (`as --32`, objcopy -O binary) of fill-ram.ts's instructions as commented there:
    // .code16 up to the far jump, .code32 after it, `.balign 8, 0x90` before the GDT (no padding).
    expect(hex(fillRamCode(1024, 0x19))).toBe(
      'fa31c08ed8e4920c02e692660f0116707c0f20c00c010f22c066ea217c000008' +
        '0066b810008ed88ec0bf0000100089f8b900040000f3ab81ff0000004072efb019e620b008e621' +
        'b004e621b001e621c60500050000a5ebfe' +
        '0000000000000000ffff0000009acf00ffff00000092cf001700587c0000',
    );
  });

  it('fill-ram: the top of the fill and ICW1 are the parameters, the rest is the same', () => {
    const a = fillRamCode(256, 0x11);
    const b = fillRamCode(1024, 0x19);
    expect(a.length).toBe(b.length);
    const differ = [...a.keys()].filter((i) => a[i] !== b[i]);
    expect(differ).toEqual([60, 64]); // byte 3 of the cmp immediate (top), the ICW1 value
    expect(a[64]).toBe(0x11);
    expect(() => fillRamCode(1, 0x11)).toThrow(RangeError);
    expect(fillRamGuest(256, true).expect[0]?.field).toBe('i8259/ltim.ltim');
  });

  it('ltim-toggle is the program GNU as assembles', () => {
    expect(hex(ltimToggleGuest.code)).toBe(
      'fab3ffb000e670e47138d874f688c3a801b0117402b019e620b008e621b004e621b001e621ebdc',
    );
  });
});
