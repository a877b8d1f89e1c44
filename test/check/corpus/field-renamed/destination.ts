import { field, uint8, uint16, uint32, vmsd } from '../../../../src/index.js';

/** "count" is now "total": same type and size at the same place. */
export const sections = [
  vmsd('dev', { version: 1, fields: [field('a', uint8), field('total', uint32), field('c', uint16)] }),
];
