import { field, uint8, unused, vmsd } from '../../../../src/index.js';

export const sections = [
  vmsd('dev', { version: 1, fields: [field('a', uint8), unused(4), field('b', uint8)] }),
];
