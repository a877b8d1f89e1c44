import { defineMachines } from '../../../../src/index.js';

/** As QEMU's x-not-migrate-acpi-index: old machine types never send the field. */
export const machines = defineMachines({
  defaults: { 'dev.index': true },
  types: [{ name: 'm-2' }, { name: 'm-1', compat: { 'dev.index': false } }],
});
