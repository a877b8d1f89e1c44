import { field, uint8, uint16, uint32, vmsd } from '../../../../src/index.js';

/** A new field without a version bump. */
export const sections = [
  vmsd('dev', {
    version: 1,
    minimumVersion: 1,
    fields: [field('a', uint8), field('b', uint16), field('c', uint32)],
  }),
];
