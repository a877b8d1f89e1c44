import { field, uint8, vmsd } from '../../../../src/index.js';

export { machines } from './machines.js';

export const sections = [vmsd('dev', { version: 1, fields: [field('a', uint8)] })];
