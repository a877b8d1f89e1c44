/** What a guest workload is: a boot sector, the devices it needs, and the state it leaves. */
import type { QemuVersionName } from '../versions.js';
import { floppyImage } from './floppy.js';

/**
 * One value the saved stream must show once the guest reached its state, read with our own
 * `analyzeStream`: `section` is the idstr, `field` a dotted path inside the section's state as
 * analyze prints it (subsections by their name, e.g. `i8259/ltim.ltim`; array items by index).
 */
export interface FieldExpectation {
  readonly section: string;
  readonly instance?: number;
  readonly field: string;
  /** The value as analyze prints it (`0x08`), or a pattern it must match. */
  readonly value: string | RegExp;
  /** Only these versions send it (e.g. a subsection 10.0 added); default: every version. */
  readonly versions?: readonly QemuVersionName[];
}

export interface Guest {
  /** Short, stable name (used in cell ids and file names). */
  readonly name: string;
  /** What it does, one line. */
  readonly title: string;
  /** The device state it reaches, in words (docs/qemu-lab.md repeats it). */
  readonly reaches: string;
  /** QEMU arguments for the devices it drives beyond the machine's own (e.g. a 16550). */
  readonly devices: readonly string[];
  /** The boot sector program (all zero for the prevalent guest: SeaBIOS boots nothing). */
  readonly code: Uint8Array;
  /** False for a floppy without 55 AA. */
  readonly bootable: boolean;
  /**
   * True when the program ends with `Asm.done()`: the lab waits for DONE_MARKER in guest memory.
   * Otherwise (LTIM's exact published bytes, the prevalent guest) it waits `settleMs`.
   */
  readonly marker: boolean;
  /** How long the guest runs before its state is reached (the bound, when it has a marker). */
  readonly settleMs: number;
  readonly expect: readonly FieldExpectation[];
}

/** What a guest that ends with `Asm.done()` declares; the rest has the usual values. */
export type MarkerGuestSpec = Pick<Guest, 'name' | 'title' | 'reaches' | 'code' | 'expect'> &
  Partial<Pick<Guest, 'devices' | 'settleMs'>>;

/** A bootable guest whose program ends with `Asm.done()`: no extra devices, 4 s bound unless given. */
export function markerGuest(spec: MarkerGuestSpec): Guest {
  return { devices: [], settleMs: 4000, ...spec, bootable: true, marker: true };
}

/** The floppy image of a guest. */
export function guestImage(guest: Guest): Uint8Array {
  return floppyImage(guest.code, guest.bootable);
}
