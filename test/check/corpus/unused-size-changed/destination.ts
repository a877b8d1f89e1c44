import { field, uint8, uint16, unused, vmsd } from '../../../../src/index.js';

/** The first padding shrank; a field took part of the second, which shrank by more than its size. */
export const sections = [
  vmsd('dev', {
    version: 1,
    fields: [
      field('a', uint8),
      unused(2),
      field('b', uint8),
      field('x', uint16),
      unused(4),
      field('c', uint8),
    ],
  }),
];
