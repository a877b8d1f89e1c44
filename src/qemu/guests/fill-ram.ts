import { Asm, DONE_ADDRESS, DONE_MARKER } from './asm.js';
import type { Guest } from './guest.js';

const MiB = 2 ** 20;

const le16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff];
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

/** Where SeaBIOS loads the boot sector: absolute addresses below are 0x7C00 + offset. */
const BASE = 0x7c00;
/** Length of the real-mode part below (up to and including the far jump). */
const REAL_MODE_BYTES = 33;

/**
 * Boot sector: enable A20, switch to 32-bit protected mode with flat segments, write every 4 KiB
 * page from 1 MiB up to `topMiB` with its own address (no page is zero, so migration copies every
 * one), initialise the master PIC with `icw1`, store DONE_MARKER at DONE_ADDRESS (as every
 * workload does), spin with interrupts off. Checked byte for byte against GNU as in fill-ram.test.ts.
 */
export function fillRamCode(topMiB: number, icw1: number): Uint8Array {
  if (!Number.isInteger(topMiB) || topMiB < 2 || topMiB > 3072) throw new RangeError(`topMiB: ${topMiB}`);
  const pm: number[] = [
    ...[0x66, 0xb8, 0x10, 0x00], // mov ax, 0x10 (flat data selector)
    ...[0x8e, 0xd8, 0x8e, 0xc0], // mov ds, ax; mov es, ax
    ...[0xbf, ...le32(MiB)], // mov edi, 1 MiB
    // fill: every dword of a page holds the page's address
    ...[0x89, 0xf8], // mov eax, edi
    ...[0xb9, ...le32(1024)], // mov ecx, 1024
    ...[0xf3, 0xab], // rep stosd
    ...[0x81, 0xff, ...le32(topMiB * MiB)], // cmp edi, top
    ...[0x72, 0xef], // jb fill
    ...[0xb0, icw1, 0xe6, 0x20], // ICW1
    ...[0xb0, 0x08, 0xe6, 0x21], // ICW2: vectors 0x08–0x0F
    ...[0xb0, 0x04, 0xe6, 0x21], // ICW3: slave on IR2
    ...[0xb0, 0x01, 0xe6, 0x21], // ICW4: 8086 mode
    ...[0xc6, 0x05, ...le32(DONE_ADDRESS), DONE_MARKER], // mov byte [DONE_ADDRESS], DONE_MARKER
    ...[0xeb, 0xfe], // jmp $
  ];
  const pmStart = REAL_MODE_BYTES;
  const gdtStart = Math.ceil((pmStart + pm.length) / 8) * 8;
  const padding = gdtStart - (pmStart + pm.length);
  const gdt = [
    ...[0, 0, 0, 0, 0, 0, 0, 0], // null descriptor
    ...[0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00], // 0x08: code, base 0, 4 GiB, 32-bit
    ...[0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0xcf, 0x00], // 0x10: data, base 0, 4 GiB
  ];
  const gdtDesc = gdtStart + gdt.length;
  const asm = new Asm()
    .cli()
    .db(0x31, 0xc0, 0x8e, 0xd8) // xor ax, ax; mov ds, ax
    .inImm(0x92)
    .db(0x0c, 0x02) // or al, 2: A20 on (fast A20 gate)
    .outImm(0x92)
    .db(0x66, 0x0f, 0x01, 0x16, ...le16(BASE + gdtDesc)) // lgdt [gdtDesc]
    .db(0x0f, 0x20, 0xc0, 0x0c, 0x01, 0x0f, 0x22, 0xc0) // mov eax, cr0; or al, 1; mov cr0, eax
    .db(0x66, 0xea, ...le32(BASE + pmStart), 0x08, 0x00); // jmp dword 0x08:pm
  if (asm.here !== REAL_MODE_BYTES) throw new Error(`real-mode part is ${asm.here} bytes`);
  return asm
    .db(...pm)
    .db(...new Array<number>(padding).fill(0x90)) // nop up to the GDT's alignment
    .db(...gdt)
    .db(...le16(gdt.length - 1), ...le32(BASE + gdtStart)) // GDT descriptor: limit, base
    .bytes();
}

/** A guest with `topMiB` of RAM written with data, then the PIC level-triggered (`ltim`) or not. */
export function fillRamGuest(topMiB: number, ltim: boolean): Guest {
  return {
    name: `fill-ram-${topMiB}m${ltim ? '-ltim' : ''}`,
    title: `RAM written up to ${topMiB} MiB, then PIC ${ltim ? 'level' : 'edge'}-triggered`,
    reaches:
      `every page from 1 MiB to ${topMiB} MiB holds its own address (nothing for migration to skip); ` +
      `master i8259 ICW1 ${ltim ? '0x19 (LTIM)' : '0x11 (edge)'}; the done marker when all is written; ` +
      'CPU spinning with IF=0',
    devices: [],
    code: fillRamCode(topMiB, ltim ? 0x19 : 0x11),
    bootable: true,
    marker: true,
    // The bound for the marker: TCG writes about 300 MiB/s here, far slower on a loaded machine.
    settleMs: 5000 + topMiB * 40,
    expect: ltim
      ? [{ section: 'i8259', instance: 0, field: 'i8259/ltim.ltim', value: '0x08', versions: ['10.0'] }]
      : [],
  };
}
