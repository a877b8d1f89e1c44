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
    // Half by choice, plus the `implied` class (another state's reconstruction is also 0 here) and
    // the edge value 0 of the `boundary` class.
    expect(prevalent).toBeGreaterThan(200);
    expect(prevalent).toBeLessThan(340);
    const never = fc.sample(arbitraryFor(dev, { prevalent: 0 }), { numRuns: 400, seed: 3 });
    const byClassOnly = never.filter((s) => s.extra === 0).length;
    expect(byClassOnly).toBeGreaterThan(0);
    expect(byClassOnly).toBeLessThan(prevalent / 1.5);
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

  it('aims at predicates: behind a machine gate, values the receiver cannot rebuild (unless the feature is off)', () => {
    const gated = vmsd('g', {
      version: 1,
      fields: [field('msr', uint8)],
      subsections: (sub) => [
        sub('g/phase', {
          version: 1,
          fields: [field('phase', uint8)],
          dependsOn: ['dev.acpi'],
          needed: (_s, c) => c.props['dev.acpi'] === true,
        }),
      ],
      postLoad: (s) => {
        // What a receiver rebuilds without the subsection.
        if (s.phase === 0) s.phase = s.msr & 3;
      },
      preLoad: (s) => {
        s.phase = 0;
      },
    });
    const ctx = machines.context('old');
    const options = { ctx, machineDefaults: machines.defaults };
    const lies = (values: { msr: number; phase: number }[]) =>
      values.filter((v) => v.phase !== (v.msr & 3)).length;
    const aimed = fc.sample(arbitraryFor(gated, options), { numRuns: 300, seed: 4 });
    // The property only stops sending: a third of the states or more hold a phase the receiver would not rebuild.
    expect(lies(aimed)).toBeGreaterThan(100);
    // Edge values (0, 1, 255…) show up, not only random ones.
    expect(aimed.some((v) => v.phase === 255)).toBe(true);
    const off = fc.sample(arbitraryFor(gated, { ...options, switchesOff: ['dev.acpi'] }), {
      numRuns: 300,
      seed: 4,
    });
    expect(lies(off)).toBe(0);
  });
});
