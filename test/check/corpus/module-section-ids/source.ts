import { field, uint8, uint16, vmsd } from '../../../../src/index.js';

export const sections = [
  { idstr: 'ps2', vmsd: vmsd('ps2kbd', { version: 1, fields: [field('scancode', uint8)] }) },
  vmsd('serial', { version: 1, fields: [field('divider', uint16)] }),
];
