/**
 * Subsections whose `needed` predicate is a device property that a machine type's compat
 * properties turn off: under those machine types they are never sent, whatever the state. A QEMU
 * dump does not apply compat properties (it lists device classes), so the checker carries the
 * facts itself. Each was read in QEMU's source and confirmed by a real migration (docs/check.md).
 */
interface MachineGate {
  /** The compat property that turns the predicate off. */
  readonly property: string;
  /** The last machine type version it is off for (`hw_compat_6_0` → 6.0). */
  readonly offUpTo: readonly [number, number];
  readonly source: string;
}

const GATES: Readonly<Record<string, MachineGate>> = {
  // hw/input/pckbd.c kbd_extended_state_needed → s->extended_state; hw_compat_6_0.
  'pckbd/extended_state': {
    property: 'i8042.extended-state=false',
    offUpTo: [6, 0],
    source: 'hw_compat_6_0',
  },
  // hw/acpi/ich9.c vmstate_test_use_pcihp → use_acpi_hotplug_bridge; pc_compat_6_0.
  'ich9_pm/pcihp': {
    property: 'ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off',
    offUpTo: [6, 0],
    source: 'pc_compat_6_0',
  },
};

const VERSIONED = /^pc(?:-i440fx|-q35)?-(\d+)\.(\d+)$/;

/** Why a subsection is never sent under this machine type, or undefined when it may be. */
export function gatedOff(subsection: string, machine: string | undefined): string | undefined {
  const gate = GATES[subsection];
  const m = machine === undefined ? null : VERSIONED.exec(machine);
  if (!gate || !m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const [gm, gn] = gate.offUpTo;
  if (major < gm || (major === gm && minor <= gn)) {
    return `machine type ${machine} sets ${gate.property} (${gate.source}), so the sender never sends it`;
  }
  return undefined;
}
