import { field, uint8, uint16, vmsd } from '../../../../src/index.js';

/** "b" re-gated to version 3 (a mistake): a version-2 stream carries it, this side no longer reads it. */
export const sections = [
  vmsd('dev', {
    version: 3,
    minimumVersion: 1,
    fields: [field('a', uint8), field('b', uint16, { since: 3 })],
  }),
];
