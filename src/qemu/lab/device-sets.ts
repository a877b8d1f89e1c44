/**
 * Device sets a lab cell adds to the machine's own devices (and the workload's). Each is chosen
 * for something that differs between 5.2, 7.2 and 10.0 in the dumps.
 */
export interface DeviceSet {
  readonly name: string;
  readonly args: readonly string[];
  /** Why it is in the lab. */
  readonly about: string;
}

export const DEVICE_SETS: readonly DeviceSet[] = Object.freeze([
  {
    name: 'base',
    args: [],
    about: 'the machine type’s own devices only (+ the floppy drive the guest boots from)',
  },
  {
    name: 'nic',
    args: ['-device', 'e1000e'],
    about: 'e1000e: fields renamed with the same layout between 7.2 and 10.0, arrays whose num 7.2 omits',
  },
  {
    name: 'scsi',
    args: ['-device', 'am53c974'],
    about: 'am53c974 (esp): section version 1 → 2 after 5.2, nested esp version 4 / 6 / 7',
  },
]);

export function deviceSetByName(name: string): DeviceSet {
  const d = DEVICE_SETS.find((x) => x.name === name);
  if (d === undefined) {
    throw new Error(`unknown device set '${name}': known are ${DEVICE_SETS.map((x) => x.name).join(', ')}`);
  }
  return d;
}
