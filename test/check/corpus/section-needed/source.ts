import { field, uint8, vmsd } from '../../../../src/index.js';

export const sections = [
  vmsd('dev', { version: 1, fields: [field('a', uint8)] }),
  // Sent only when enabled (QEMU's whole-section `needed`).
  vmsd('extra', { version: 1, fields: [field('on', uint8)], needed: (s) => s.on !== 0 }),
  { idstr: 'dev', instanceId: 1, vmsd: vmsd('dev', { version: 1, fields: [field('a', uint8)] }) },
];
