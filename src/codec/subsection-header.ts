import type { Vmsd } from '../describe/index.js';
import { Writer } from '../wire/index.js';

/** The QEMU_VM_SUBSECTION marker (spec §9). */
export const SUBSECTION_MARKER = 0x05;

/** As a subsection: marker, name and version as the parent writes them (undefined: name too long). */
export function subsectionHeader(vmsd: Vmsd): Uint8Array | undefined {
  if (vmsd.name.length > 255) return undefined;
  const w = new Writer(16);
  w.u8(SUBSECTION_MARKER);
  w.str8(vmsd.name);
  w.u32(vmsd.version);
  return w.finish();
}
