import { buffer, equal, field, int32, uint16, vmsd } from '../../../../src/index.js';

/** "a" signed, "s" raw bytes instead of a struct, "t" now must equal the receiver's value. */
export const sections = [
  vmsd('dev', { version: 1, fields: [field('a', int32), field('s', buffer(2)), field('t', equal(uint16))] }),
];
