import { array, field, struct, uint8, vmsd } from '../../../../src/index.js';

const drive = vmsd('drive', { version: 1, fields: [field('head', uint8)] });

export const sections = [vmsd('dev', { version: 1, fields: [field('drives', array(struct(drive), 2))] })];
