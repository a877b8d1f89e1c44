import { field, struct, uint8, uint16, vmsd } from '../../../../src/index.js';

/** Two levels down, "leaf" gained "r" behind its own version bump (which does not travel). */
const leaf = vmsd('leaf', {
  version: 2,
  minimumVersion: 1,
  fields: [field('p', uint8), field('q', uint8), field('r', uint8, { since: 2 })],
});
const mid = vmsd('mid', { version: 1, fields: [field('x', uint16), field('t', struct(leaf))] });

export const sections = [vmsd('dev', { version: 1, fields: [field('a', uint8), field('s', struct(mid))] })];
