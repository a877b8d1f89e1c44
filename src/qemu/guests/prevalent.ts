import type { Guest } from './guest.js';

/**
 * An all-zero floppy: SeaBIOS finds no boot signature and gives up, leaving every device as the
 * firmware left it — the prevalent state that every version's `needed()` expects.
 */
export const prevalentGuest: Guest = {
  name: 'prevalent',
  title: 'no boot sector (firmware state only)',
  reaches: 'whatever SeaBIOS leaves: PIC edge-triggered, no subsection beyond the defaults',
  devices: [],
  code: new Uint8Array(0),
  bootable: false,
  marker: false,
  settleMs: 1000,
  expect: [],
};
