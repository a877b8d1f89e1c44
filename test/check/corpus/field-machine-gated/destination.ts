import { field, type MigrationContext, uint8, uint32, vmsd } from '../../../../src/index.js';

export { machines } from './machines.js';

/** A field in the main list, gated by a machine-type property (existsIf reads only the context). */
export const sections = [
  vmsd('dev', {
    version: 1,
    fields: [
      field('a', uint8),
      field('index', uint32, {
        existsIf: (_s: unknown, ctx: MigrationContext) => ctx.props['dev.index'] === true,
      }),
    ],
  }),
];
