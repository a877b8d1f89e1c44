import { field, uint8, vmsd } from '../../../../src/index.js';

export const sections = [
  vmsd('dev', {
    version: 1,
    fields: [field('a', uint8)],
    subsections: (sub) => [
      sub('dev/extra', {
        version: 2,
        minimumVersion: 1,
        fields: [field('e', uint8), field('g', uint8, { since: 2 })],
        needed: (s) => s.e !== 0,
      }),
    ],
  }),
];
