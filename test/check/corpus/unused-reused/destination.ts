import { field, uint8, uint16, vmsd } from '../../../../src/index.js';

/** Four bytes of padding now carry two uint16 fields. */
export const sections = [
  vmsd('dev', {
    version: 1,
    fields: [field('a', uint8), field('x', uint16), field('y', uint16), field('b', uint8)],
  }),
];
