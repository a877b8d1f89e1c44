import { Asm } from './asm.js';
import type { Guest } from './guest.js';

/**
 * Re-initialises the master PIC with ICW1 = 0x19 (bit 3: LTIM, level-triggered) and halts with
 * interrupts off. QEMU 10.0 then sends subsection `i8259/ltim` (ltim = 0x08), which 7.2 and 5.2
 * do not know: the real prevalent-state failure of 10.0 → 7.2 / 5.2.
 * Bytes: FA B0 19 E6 20 B0 08 E6 21 B0 04 E6 21 B0 01 E6 21 EB FE.
 */
export const ltimGuest: Guest = {
  name: 'ltim',
  title: 'PIC level-triggered (ICW1 LTIM)',
  reaches: 'master i8259: ICW1 0x19 (LTIM bit 3 set), vector base 0x08, ICW4 8086 mode; CPU halted with IF=0',
  devices: [],
  code: new Asm()
    .cli()
    .outImm(0x20, 0x19) // ICW1: ICW4 needed, cascade, level-triggered
    .outImm(0x21, 0x08) // ICW2: vectors 0x08–0x0F
    .outImm(0x21, 0x04) // ICW3: slave on IR2
    .outImm(0x21, 0x01) // ICW4: 8086 mode
    .spin()
    .bytes(),
  bootable: true,
  marker: false,
  settleMs: 1000,
  expect: [{ section: 'i8259', instance: 0, field: 'i8259/ltim.ltim', value: '0x08', versions: ['10.0'] }],
};
