import { field, uint8, vmsd } from '../../../../src/index.js';

/** An older subsection version: its version travels on the wire, so it is range-checked. */
export const sections = [
  vmsd('dev', {
    version: 1,
    fields: [field('a', uint8)],
    subsections: (sub) => [
      sub('dev/extra', {
        version: 1,
        minimumVersion: 1,
        fields: [field('e', uint8)],
        needed: (s) => s.e !== 0,
      }),
    ],
  }),
];
