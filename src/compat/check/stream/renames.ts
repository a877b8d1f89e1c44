/**
 * Fields QEMU renamed without changing what they hold (same bytes, same meaning): a destination
 * reading one under the other name changes nothing. Pairs found comparing the 5.2, 7.2 and 10.0
 * dumps and confirmed by a save from the destination after a real load (issue 17).
 */
const PURE_RENAMES: readonly (readonly [string, string])[] = [
  ['data_ready', 'data_in_ready'], // esp (7.2 data_in_ready, 10.0 data_ready)
  ['num_timers_save', 'num_timers'], // hpet (7.2 num_timers, 10.0 num_timers_save)
  ['ghes_addr_le', 'hw_error_le'], // acpi-ghes (7.2 ghes_addr_le, 10.0 hw_error_le)
];

export function pureRename(a: string, b: string): boolean {
  return PURE_RENAMES.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
}
