import { field, uint8, uint16, uint32, vmsd } from '../../../../src/index.js';

/** A new field behind a version bump: the upgrade works, the rollback is refused. */
export const sections = [
  vmsd('dev', {
    version: 2,
    minimumVersion: 1,
    fields: [field('a', uint8), field('b', uint16), field('c', uint32, { since: 2 })],
  }),
];
