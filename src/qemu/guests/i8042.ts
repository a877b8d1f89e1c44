/** The i8042 keyboard controller with a new command byte and a byte waiting in its output buffer. */
import { type Asm, program } from './asm.js';
import { markerGuest } from './guest.js';

/** Waits for the controller's input buffer to be empty (status bit 1 clear). */
const ready = (a: Asm): Asm => a.waitFor(0x64, 0x02, 0x00);

/**
 * Writes command byte 0x74 (keyboard interrupt off, mouse interrupt off, system flag, both
 * clocks disabled, translation on), then command 0xD2 "write keyboard output buffer" with 0xAB,
 * which is left unread: the controller holds pending output from the keyboard.
 */
export const i8042Guest = markerGuest({
  name: 'i8042-pending',
  title: 'i8042 command byte 0x74, keyboard output 0xAB unread',
  reaches: 'pckbd: kbd.mode 0x74, kbd.status 0x1d (output buffer full); ps2kbd queue holds 0xAB',
  code: program((a) => {
    ready(a).outImm(0x64, 0x60);
    ready(a).outImm(0x60, 0x74);
    ready(a).outImm(0x64, 0xd2);
    ready(a).outImm(0x60, 0xab);
  }),
  expect: [
    { section: 'pckbd', field: 'kbd.mode', value: '0x74' },
    { section: 'pckbd', field: 'kbd.status', value: '0x1d' },
  ],
});
