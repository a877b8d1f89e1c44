import { field, struct, uint8, uint16, uint32, vmsd } from '../../../../src/index.js';

/** "b" and "c" moved into a struct: structs have no framing, so the bytes are the same. */
const regs = vmsd('regs', { fields: [field('b', uint16), field('c', uint32)] });

export const sections = [vmsd('dev', { version: 1, fields: [field('a', uint8), field('r', struct(regs))] })];
