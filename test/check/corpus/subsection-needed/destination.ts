import { field, uint8, vmsd } from '../../../../src/index.js';

/** New state in a subsection sent only off its prevalent value (0). */
export const sections = [
  vmsd('dev', {
    version: 1,
    fields: [field('a', uint8)],
    subsections: (sub) => [
      sub('dev/extra', { version: 1, fields: [field('e', uint8)], needed: (s) => s.e !== 0 }),
    ],
  }),
];
