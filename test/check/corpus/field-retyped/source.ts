import { field, struct, uint8, uint16, uint32, vmsd } from '../../../../src/index.js';

const pair = vmsd('pair', { fields: [field('x', uint8), field('y', uint8)] });

export const sections = [
  vmsd('dev', { version: 1, fields: [field('a', uint32), field('s', struct(pair)), field('t', uint16)] }),
];
