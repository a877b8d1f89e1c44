import { array, field, struct, uint8, vmsd } from '../../../../src/index.js';

/** As QEMU's fdrive: each element of a struct array carries an always-sent subsection. */
const drive = vmsd('drive', {
  version: 1,
  fields: [field('head', uint8)],
  subsections: (sub) => [sub('drive/rate', { version: 1, fields: [field('rate', uint8)] })],
});

export const sections = [vmsd('dev', { version: 1, fields: [field('drives', array(struct(drive), 2))] })];
