import { field, uint8, uint16, vmsd } from '../../../../src/index.js';

/**
 * Our section keys are stream ids: "ps2" keeps its id under a renamed description (fine), while
 * "serial" moved to the id "uart" (the stream no longer matches, whatever the description).
 */
export const sections = [
  { idstr: 'ps2', vmsd: vmsd('ps2-keyboard', { version: 1, fields: [field('scancode', uint8)] }) },
  { idstr: 'uart', vmsd: vmsd('serial', { version: 1, fields: [field('divider', uint16)] }) },
];
