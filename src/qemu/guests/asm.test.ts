import { describe, expect, it } from 'vitest';
import { Asm } from './asm.js';
import { BOOT_SIGNATURE_OFFSET, FLOPPY_SIZE, floppyImage } from './floppy.js';
import { guestImage } from './guest.js';
import { ltimGuest } from './ltim.js';
import { prevalentGuest } from './prevalent.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('boot-sector assembler and floppy images', () => {
  it('the LTIM guest is the verified 19-byte sequence', () => {
    expect(hex(ltimGuest.code)).toBe('fab019e620b008e621b004e621b001e621ebfe');
  });

  it('encodes the instructions by the manual', () => {
    expect(hex(new Asm().outDx(0x3f8, 0x41).inDx(0x3fd).bytes())).toBe('baf803b041eebafd03ec');
    expect(hex(new Asm().outDx32(0xcf8, 0x80001810).bytes())).toBe('baf80c66b81018008066ef');
    expect(hex(new Asm().movAx(0x0013).int(0x10).bytes())).toBe('b81300cd10');
    expect(hex(new Asm().waitFor(0x64, 0x02, 0x00).bytes())).toBe('e4642402' + '3c0075f8');
  });

  it('resolves short jumps both ways and refuses out-of-range ones', () => {
    const a = new Asm().label('top').db(0x90).jmp('end').jz('top').label('end');
    expect(hex(a.bytes())).toBe('90eb0274fb');
    const far = new Asm().jmp('x');
    for (let i = 0; i < 200; i++) far.db(0x90);
    far.label('x');
    expect(() => far.bytes()).toThrow(/rel8/);
    expect(() => new Asm().jmp('nowhere').bytes()).toThrow(/undefined label/);
    expect(() => new Asm().db(256)).toThrow(/not a byte/);
  });

  it('writes a 1.44 MB image with 55 AA at 510 (none for the prevalent guest)', () => {
    const img = guestImage(ltimGuest);
    expect(img.length).toBe(FLOPPY_SIZE);
    expect([img[BOOT_SIGNATURE_OFFSET], img[BOOT_SIGNATURE_OFFSET + 1]]).toEqual([0x55, 0xaa]);
    expect(hex(img.subarray(0, ltimGuest.code.length))).toBe(hex(ltimGuest.code));
    const zero = guestImage(prevalentGuest);
    expect(zero.every((b) => b === 0)).toBe(true);
    expect(() => floppyImage(new Uint8Array(511))).toThrow(/510/);
  });
});
