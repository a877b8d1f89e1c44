import { array, field, struct, uint8, uint16, uint32, unused, vmsd } from '../../../../src/index.js';

/** A device with every kind of part: fields, padding, an array of structs, a conditional subsection. */
const drive = vmsd('drive', {
  version: 1,
  minimumVersion: 1,
  fields: [field('head', uint8), field('track', uint8)],
});

export const sections = [
  vmsd('dev', {
    version: 2,
    minimumVersion: 1,
    fields: [
      field('ctrl', uint8),
      unused(3),
      field('base', uint32, { since: 2 }),
      field('drives', array(struct(drive), 2)),
    ],
    subsections: (sub) => [
      sub('dev/irq', { version: 1, fields: [field('irq', uint16)], needed: (s) => s.irq !== 0 }),
    ],
  }),
];
