import { describe, expect, it } from 'vitest';
import { chainLoss, movedField } from '../../../test/lab/fixtures/buggy.js';
import { timerdev } from '../../../test/lab/fixtures/timerdev.js';
import { defineMachines, field, uint8, vmsd } from '../../index.js';
import { expectMigrationsSafe, MigrationsUnsafeError } from './expect.js';
import { defineVersions } from './versions.js';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('expectMigrationsSafe', () => {
  it('passes for a correct model that refuses at times', () => {
    expect(expectMigrationsSafe(timerdev, { runs: 30 }).totals.unsafe).toBe(0);
  });

  it('fails with every unsafe cell and its counterexample', () => {
    const e = thrown(() => expectMigrationsSafe(movedField, { runs: 30 }));
    expect(e).toBeInstanceOf(MigrationsUnsafeError);
    const err = e as MigrationsUnsafeError;
    expect(err.cells.map((c) => c.route.join('→'))).toEqual([
      '1.0→1.1',
      '1.1→1.0',
      '1.0→1.1→1.0',
      '1.1→1.0→1.1',
    ]);
    expect(err.message).toMatch(/dev\.ctrl +sender 0 +≠ +receiver 1/);
    expect(thrown(() => expectMigrationsSafe(chainLoss, { runs: 30 }))).toBeInstanceOf(MigrationsUnsafeError);
  });

  it('with allowRefusedWithinMachine: false, fails on refusals and passes for a model gated by machine types', () => {
    const e = thrown(() => expectMigrationsSafe(timerdev, { runs: 30, allowRefusedWithinMachine: false }));
    expect(e).toBeInstanceOf(MigrationsUnsafeError);
    const machines = defineMachines({
      defaults: { 'dev.extra': true },
      types: [{ name: 'new' }, { name: 'old', compat: { 'dev.extra': false } }],
    });
    const gated = defineVersions({
      machines,
      switchesOff: ['dev.extra'],
      versions: [
        {
          name: '1',
          sections: [vmsd('dev', { version: 1, fields: [field('a', uint8)] })],
          machines: ['old'],
        },
        {
          name: '2',
          sections: [
            vmsd('dev', {
              version: 1,
              fields: [field('a', uint8)],
              subsections: (sub) => [
                sub('dev/extra', {
                  version: 1,
                  fields: [field('b', uint8)],
                  dependsOn: ['dev.extra'],
                  needed: (s, ctx) => ctx.props['dev.extra'] === true && s.b !== 0,
                }),
              ],
            }),
          ],
          machines: ['new', 'old'],
        },
      ],
    });
    expect(expectMigrationsSafe(gated, { runs: 50, allowRefusedWithinMachine: false }).totals.refused).toBe(
      0,
    );
  });
});
