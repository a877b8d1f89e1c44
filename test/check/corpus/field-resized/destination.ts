import { array, field, uint8, uint32, vmsd } from '../../../../src/index.js';

/** "a" widened, "arr" longer. */
export const sections = [
  vmsd('dev', { version: 1, fields: [field('a', uint32), field('arr', array(uint8, 8))] }),
];
