import { array, field, uint8, uint16, vmsd } from '../../../../src/index.js';

export const sections = [
  vmsd('dev', { version: 1, fields: [field('a', uint16), field('arr', array(uint8, 4))] }),
];
