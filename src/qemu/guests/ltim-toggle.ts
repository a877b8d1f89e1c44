import { Asm } from './asm.js';
import type { Guest } from './guest.js';

/**
 * Enters and leaves the non-prevalent state once a second: polls the RTC seconds register and, each
 * time it changes, re-initialises the master PIC level-triggered (ICW1 0x19, LTIM) in odd seconds
 * and edge-triggered (0x11) in even ones. QEMU 10.0 sends `i8259/ltim` only in the odd seconds.
 */
export const ltimToggleGuest: Guest = {
  name: 'ltim-toggle',
  title: 'PIC level-triggered in odd RTC seconds, edge-triggered in even ones',
  reaches:
    'master i8259 ICW1 alternating 0x19 (LTIM) / 0x11 each RTC second (the VM clock); CPU polling the RTC with IF=0',
  devices: [],
  code: new Asm()
    .cli()
    .db(0xb3, 0xff) // mov bl, 0xff: no second seen yet
    .label('poll')
    .outImm(0x70, 0x00) // RTC register 0: seconds
    .inImm(0x71)
    .db(0x38, 0xd8) // cmp al, bl
    .jz('poll')
    .db(0x88, 0xc3) // mov bl, al
    .testAl(0x01) // odd second? (BCD or binary: bit 0 is the parity either way)
    .movAl(0x11)
    .jz('init')
    .movAl(0x19)
    .label('init')
    .outImm(0x20) // ICW1
    .outImm(0x21, 0x08) // ICW2: vectors 0x08–0x0F
    .outImm(0x21, 0x04) // ICW3: slave on IR2
    .outImm(0x21, 0x01) // ICW4: 8086 mode
    .jmp('poll')
    .bytes(),
  bootable: true,
  marker: false, // it never stops toggling
  settleMs: 1500,
  expect: [],
};
