import { field, struct, uint8, uint16, vmsd } from '../../../../src/index.js';

const leaf = vmsd('leaf', { version: 1, fields: [field('p', uint8), field('q', uint8)] });
const mid = vmsd('mid', { version: 1, fields: [field('x', uint16), field('t', struct(leaf))] });

export const sections = [vmsd('dev', { version: 1, fields: [field('a', uint8), field('s', struct(mid))] })];
