import { field, uint8, vmsd } from '../../../../src/index.js';

/** A subsection without `needed`: sent every time. */
export const sections = [
  vmsd('dev', {
    version: 1,
    fields: [field('a', uint8)],
    subsections: (sub) => [sub('dev/extra', { version: 1, fields: [field('e', uint8)] })],
  }),
];
