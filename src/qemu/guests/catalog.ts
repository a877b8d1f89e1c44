/** Every guest workload the lab runs, by name (docs/qemu-lab.md lists the same, with the states). */

import { espGuest } from './esp.js';
import { dmaGuest, fdcCommandGuest, fdcResultGuest } from './fdc.js';
import type { Guest } from './guest.js';
import { i8042Guest } from './i8042.js';
import { ltimGuest } from './ltim.js';
import { prevalentGuest } from './prevalent.js';
import { pitGuest, rtcGuest, speakerGuest } from './timers.js';
import { uartGuest } from './uart.js';
import { vbeGuest, vgaMode13Guest } from './vga.js';

export const GUESTS: readonly Guest[] = Object.freeze([
  prevalentGuest,
  ltimGuest,
  rtcGuest,
  pitGuest,
  speakerGuest,
  uartGuest,
  i8042Guest,
  fdcResultGuest,
  fdcCommandGuest,
  dmaGuest,
  vgaMode13Guest,
  vbeGuest,
  espGuest,
]);

/** A guest by name; throws naming the known ones. */
export function guestByName(name: string): Guest {
  const g = GUESTS.find((x) => x.name === name);
  if (g === undefined)
    throw new Error(`unknown workload '${name}': known are ${GUESTS.map((x) => x.name).join(', ')}`);
  return g;
}
