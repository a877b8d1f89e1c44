import { field, uint8, uint16, vmsd } from '../../../../src/index.js';

export const sections = [
  vmsd('dev', { version: 1, minimumVersion: 1, fields: [field('a', uint8), field('b', uint16)] }),
];
