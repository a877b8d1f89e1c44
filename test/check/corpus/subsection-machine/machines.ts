import { defineMachines } from '../../../../src/index.js';

/** m-1 is the old machine type: its compat property turns the new subsections off. */
export const machines = defineMachines({
  defaults: { 'dev.extra': true },
  types: [{ name: 'm-2' }, { name: 'm-1', compat: { 'dev.extra': false } }],
});
