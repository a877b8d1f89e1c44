import { buffer, field, uint8, uint32, type Vmsd, vmsd } from '../../describe/index.js';

/**
 * Layouts QEMU fixes for sections that `-dump-vmstate` never lists, used only where a stream gives
 * no other way to find a section's end (no footers, no vmdesc: machine types ≤ 2.2). They are the
 * last sections QEMU sends, so knowing their size exactly is what tells a whole stream from one cut
 * short after a 00 byte that looks like the EOF byte.
 */
const KNOWN: readonly Vmsd[] = [
  // migration/global_state.c: the run state as a NUL-padded string and its length.
  vmsd('globalstate', { version: 1, fields: [field('size', uint32), field('runstate', buffer(100))] }),
  // hw/i386/acpi-build.c: whether the guest's ACPI tables were patched.
  vmsd('acpi_build', { version: 1, fields: [field('patched', uint8)] }),
];

/** The fixed layout QEMU uses for this section, if it is one of the few known here. */
export function knownSection(s: { readonly idstr: string; readonly version: number }): Vmsd | undefined {
  return KNOWN.find((d) => d.name === s.idstr && d.version === s.version);
}
