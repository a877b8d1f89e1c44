import { field, uint8, uint32, vmsd } from '../../../../src/index.js';

/** "b" dropped from the middle of the list. */
export const sections = [
  vmsd('dev', { version: 1, minimumVersion: 1, fields: [field('a', uint8), field('c', uint32)] }),
];
