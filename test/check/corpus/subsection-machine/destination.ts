import { field, type MigrationContext, uint8, vmsd } from '../../../../src/index.js';

export { machines } from './machines.js';

const on = (ctx: MigrationContext) => ctx.props['dev.extra'] === true;

/**
 * Two subsections tied to a machine-type property: "dev/extra" when the property is on and the
 * state needs it, "dev/flag" whenever the property is on.
 */
export const sections = [
  vmsd('dev', {
    version: 1,
    fields: [field('a', uint8)],
    subsections: (sub) => [
      sub('dev/extra', {
        version: 1,
        fields: [field('e', uint8)],
        dependsOn: ['dev.extra'],
        needed: (s, ctx) => on(ctx) && s.e !== 0,
      }),
      sub('dev/flag', {
        version: 1,
        fields: [field('f', uint8)],
        dependsOn: ['dev.extra'],
        needed: (_s, ctx) => on(ctx),
      }),
    ],
  }),
];
