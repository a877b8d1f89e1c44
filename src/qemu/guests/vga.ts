/** A standard VGA (-device VGA) in a graphics mode, through the BIOS and through Bochs VBE. */
import { Asm, program } from './asm.js';
import { markerGuest } from './guest.js';

const VGA = ['-device', 'VGA'] as const;

/** INT 10h AX=0013h: 320×200, 256 colours (chain-4), set by the VGA BIOS. */
export const vgaMode13Guest = markerGuest({
  name: 'vga-mode13',
  title: 'VGA mode 13h (320×200×256) via INT 10h',
  reaches: 'vga: gr[5] 0x40 (256-colour shift), ar[0x10] 0x41 (graphics), msr 0x63',
  devices: VGA,
  code: new Asm().movAx(0x0013).int(0x10).done().bytes(),
  settleMs: 5000,
  expect: [
    { section: 'vga', field: 'vga.gr.5', value: '0x40' },
    { section: 'vga', field: 'vga.ar.16', value: '0x41' },
    { section: 'vga', field: 'vga.msr', value: '0x63' },
  ],
});

const VBE_INDEX = 0x1ce;
const VBE_DATA = 0x1cf;
const vbe = (a: Asm, index: number, value: number): Asm =>
  a.outDx16(VBE_INDEX, index).outDx16(VBE_DATA, value);

/** Bochs VBE registers: 800×600, 32 bpp, enabled with the linear framebuffer. */
export const vbeGuest = markerGuest({
  name: 'vbe-lfb',
  title: 'Bochs VBE 800×600×32, linear framebuffer',
  reaches: 'vga: vbe_regs[1..4] = 800, 600, 32, 0x41 (enabled | LFB); vbe_line_offset 3200',
  devices: VGA,
  code: program((a) => {
    vbe(a, 4, 0x00); // disable while changing
    vbe(a, 1, 800);
    vbe(a, 2, 600);
    vbe(a, 3, 32);
    vbe(a, 4, 0x41);
  }),
  settleMs: 5000,
  expect: [
    { section: 'vga', field: 'vga.vbe_regs.1', value: '0x0320' },
    { section: 'vga', field: 'vga.vbe_regs.2', value: '0x0258' },
    { section: 'vga', field: 'vga.vbe_regs.3', value: '0x0020' },
    { section: 'vga', field: 'vga.vbe_regs.4', value: '0x0041' },
  ],
});
