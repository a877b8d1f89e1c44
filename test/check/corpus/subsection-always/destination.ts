import { field, uint8, vmsd } from '../../../../src/index.js';

export const sections = [vmsd('dev', { version: 1, fields: [field('a', uint8)] })];
