// A user's version set, in TypeScript: `vmstate matrix versions.ts` loads it through tsx.
import { defineVersions } from 'vmstate/compat';
import { defineMachines, field, uint8, vmsd } from 'vmstate/describe';

const machines = defineMachines({ types: [{ name: 'pc-1' }] });
const one = vmsd('dev', { version: 1, minimumVersion: 1, fields: [field('a', uint8)] });
const two = vmsd('dev', {
  version: 1,
  minimumVersion: 1,
  fields: [field('a', uint8)],
  subsections: (sub) => [sub('dev/b', { version: 1, fields: [field('b', uint8)], needed: (s) => s.b !== 0 })],
});
export const versions = defineVersions({
  machines,
  versions: [
    { name: '1', sections: [one], machines: ['pc-1'] },
    { name: '2', sections: [two], machines: ['pc-1'] },
  ],
});
