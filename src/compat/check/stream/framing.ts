/**
 * What a destination machine type expects around the sections, as QEMU's `migration` object
 * properties decide it. `hw_compat_2_3` (hw/core/machine.c) turns `send-configuration`,
 * `send-section-footer` and `store-global-state` off for machine types 2.3 and older, so such a
 * destination expects no configuration section (0x07) and no section footers (0x7e).
 */
export interface Framing {
  /** `send-configuration`: the configuration section is required right after the header. */
  readonly configuration: boolean;
  /** `send-section-footer`: every section ends with 0x7e + its section id. */
  readonly footers: boolean;
}

const MODERN: Framing = { configuration: true, footers: true };
const LEGACY: Framing = { configuration: false, footers: false };

/** The x86 versioned machine types: `pc-i440fx-7.2`, `pc-q35-2.4`, `pc-1.3`, `pc-0.15`. */
const VERSIONED = /^pc(?:-i440fx|-q35)?-(\d+)\.(\d+)$/;

/** The framing a destination of this machine type expects (unknown names: the current one). */
export function framingOf(machine: string | undefined): Framing {
  const m = machine === undefined ? null : VERSIONED.exec(machine);
  if (!m) return MODERN;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major < 2 || (major === 2 && minor <= 3) ? LEGACY : MODERN;
}
