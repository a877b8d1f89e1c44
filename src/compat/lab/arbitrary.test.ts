import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describedState } from '../../../test/core/arbitraries.js';
import {
  array,
  buffer,
  defineMachines,
  equal,
  field,
  initial,
  load,
  MigrationError,
  save,
  struct,
  uint8,
  uint16,
  uint32,
  uint64,
  validate,
  varray,
  vbuffer,
  vmsd,
} from '../../index.js';
import { arbitraryFor } from './arbitrary.js';

const drive = vmsd('drive', { version: 1, fields: [field('head', uint8), field('track', uint8)] });

const dev = vmsd('dev', {
  version: 3,
  minimumVersion: 1,
  fields: [
    field('ctrl', uint8),
    field('wide', uint64),
    field('n', uint8),
    validate('n fits', (s) => s.n <= 4),
    field('items', varray(uint16, { count: 'n', max: 4, width: 'uint8' })),
    field('len', uint32),
    field('blob', vbuffer({ size: 'len', max: 8 })),
    field('fifo', varray(uint8, { count: () => 3, max: 3 })),
    field('key', buffer(4)),
    field('slots', equal(uint8), { default: 2 }),
    field('drives', array(struct(drive), 2)),
    field('later', uint8, { since: 4 }),
    field('acpi', uint32, { existsIf: (_s, ctx) => ctx.props['dev.acpi'] === true }),
  ],
  subsections: (sub) => [
    sub('dev/extra', { version: 1, fields: [field('extra', uint8)], needed: (s) => s.extra !== 0 }),
  ],
});

const machines = defineMachines({
  defaults: { 'dev.acpi': true },
  types: [{ name: 'new' }, { name: 'old', compat: { 'dev.acpi': false } }],
});

describe('arbitraryFor', () => {
  it('generates only states the description saves and loads back unchanged', () => {
    for (const machine of machines.names) {
      const ctx = machines.context(machine);
      fc.assert(
        fc.property(arbitraryFor(dev, { ctx }), (s) => {
          expect(load(dev, save(dev, structuredClone(s), { ctx }), { ctx })).toEqual(s);
        }),
        { numRuns: 200 },
      );
    }
  });

  it('keeps counts consistent with their arrays and within bounds, pins equal, later and closed members', () => {
    const ctx = machines.context('old');
    fc.assert(
      fc.property(arbitraryFor(dev, { ctx }), (s) => {
        expect(s.items).toHaveLength(s.n);
        expect(s.n).toBeLessThanOrEqual(4);
        expect(s.blob).toHaveLength(s.len);
        expect(s.fifo).toHaveLength(3);
        expect(s.key).toHaveLength(4);
        expect(typeof s.wide).toBe('bigint');
        expect(s.slots).toBe(2);
        expect(s.later).toBe(0);
        expect(s.acpi).toBe(0);
        expect(s.drives).toHaveLength(2);
      }),
      { numRuns: 200 },
    );
  });

  it('opens machine-type gates where the machine type has the feature', () => {
    const ctx = machines.context('new');
    const values = fc.sample(arbitraryFor(dev, { ctx }), { numRuns: 100, seed: 1 });
    expect(values.some((s) => s.acpi !== 0)).toBe(true);
  });

  it('hits the prevalent value of a subsection about as often as asked', () => {
    const values = fc.sample(arbitraryFor(dev, { prevalent: 0.5 }), { numRuns: 400, seed: 3 });
    const prevalent = values.filter((s) => s.extra === 0).length;
    expect(prevalent).toBeGreaterThan(120);
    expect(prevalent).toBeLessThan(320);
    expect(
      fc.sample(arbitraryFor(dev, { prevalent: 1 }), { numRuns: 50, seed: 3 }).every((s) => s.extra === 0),
    ).toBe(true);
  });

  it('uses overrides by path, for a member, an element, a struct member', () => {
    const arb = arbitraryFor(dev, {
      overrides: { ctrl: fc.constant(7), 'items[]': fc.constant(9), 'drives[].head': fc.constant(1) },
    });
    for (const s of fc.sample(arb, { numRuns: 50, seed: 5 })) {
      expect(s.ctrl).toBe(7);
      expect(s.items.every((v) => v === 9)).toBe(true);
      expect(s.drives.map((d) => d.head)).toEqual([1, 1]);
    }
  });

  it('refuses override paths that match no member', () => {
    const e = (() => {
      try {
        arbitraryFor(dev, { overrides: { 'drives[].heed': fc.constant(1) } });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(MigrationError);
    expect((e as MigrationError).code).toBe('invalid-value');
  });

  it('is deterministic for a seed and shrinks towards the reset state', () => {
    const arb = arbitraryFor(dev);
    expect(fc.sample(arb, { numRuns: 5, seed: 9 })).toEqual(fc.sample(arb, { numRuns: 5, seed: 9 }));
    const details = fc.check(
      fc.property(arb, (s) => s.ctrl < 3),
      { seed: 2 },
    );
    // The receiver-side count gives the FIFO its 3 elements even in the smallest state.
    expect(details.counterexample?.[0]).toEqual({ ...initial(dev), ctrl: 3, fifo: [0, 0, 0] });
  });

  it('works for any description (the core’s random description generator)', () => {
    fc.assert(
      fc.property(
        describedState.chain(({ desc }) => arbitraryFor(desc).map((s) => ({ desc, s }))),
        ({ desc, s }) => {
          expect(load(desc, save(desc, structuredClone(s)))).toEqual(s);
        },
      ),
      { numRuns: 200 },
    );
  });
});
