import { describe, expect, it } from 'vitest';
import { defineMachines } from '../../describe/index.js';
import { array, defaultContext, field, pointer, struct, uint8, validate, vmsd } from '../../index.js';
import { CoverageCounter, type PredicateKind, visitPredicates, visitSection } from './predicates.js';
import { defineVersions } from './versions.js';

const drive = vmsd('drive', {
  version: 1,
  fields: [field('head', uint8)],
  subsections: (sub) => [
    sub('drive/perp', { version: 1, fields: [field('perp', uint8)], needed: (s) => s.perp !== 0 }),
  ],
});

const dev = vmsd('dev', {
  version: 1,
  fields: [
    field('mode', uint8),
    field('extra', uint8, { existsIf: (s) => (s.mode as number) > 1 }),
    validate('mode fits', (s) => (s.mode as number) < 9),
    field('drives', array(struct(drive), 2)),
    field('boss', struct(drive), { existsIf: (s) => s.mode === 3 }),
  ],
  subsections: (sub) => [
    sub('dev/outer', {
      version: 1,
      fields: [field('outer', uint8)],
      needed: (s) => s.outer !== 0,
      subsections: (inner) => [
        inner('dev/outer/inner', {
          version: 1,
          fields: [field('inner', uint8)],
          needed: (s) => s.inner !== 0,
        }),
      ],
    }),
    sub('dev/kept', { version: 1, fields: [field('k', uint8)], nestedKey: 'kept' }),
  ],
  needed: (s) => s.mode !== 0,
});

type Seen = [PredicateKind, string, boolean][];
const d = (head: number, perp: number) => ({ head, perp });

function walk(state: Record<string, unknown>): Seen {
  const seen: Seen = [];
  visitPredicates(dev, state, defaultContext, 1, 'dev', (kind, path, value) =>
    seen.push([kind, path, value]),
  );
  return seen;
}

describe('visitPredicates: every predicate a save evaluates, with its answer', () => {
  it('gates (not validators), struct elements, sent subsections and what they contain', () => {
    const seen = walk({
      mode: 3,
      extra: 1,
      drives: [d(0, 0), d(0, 5)],
      boss: d(0, 1),
      outer: 1,
      inner: 0,
      kept: { k: 1 },
    });
    expect(seen).toEqual([
      ['exists', 'dev › extra', true],
      ['needed', 'dev › drives[] › drive/perp', false],
      ['needed', 'dev › drives[] › drive/perp', true],
      ['exists', 'dev › boss', true],
      ['needed', 'dev › boss › drive/perp', true],
      ['needed', 'dev › dev/outer', true],
      ['needed', 'dev › dev/outer/inner', false],
      ['needed', 'dev › dev/kept', true],
    ]);
  });

  it('does not look inside what is not sent: a closed struct gate, an unsent subsection, an absent nested one', () => {
    const seen = walk({ mode: 1, extra: 0, drives: [d(0, 0), d(0, 0)], boss: d(0, 1), outer: 0, inner: 1 });
    expect(seen).toEqual([
      ['exists', 'dev › extra', false],
      ['needed', 'dev › drives[] › drive/perp', false],
      ['needed', 'dev › drives[] › drive/perp', false],
      ['exists', 'dev › boss', false],
      ['needed', 'dev › dev/outer', false],
      ['needed', 'dev › dev/kept', false],
    ]);
  });

  it('visitSection starts with the section’s own needed() and stops there when it says no', () => {
    const machines = defineMachines({ types: [{ name: 'm' }] });
    const set = defineVersions({ machines, versions: [{ name: '1', sections: [dev], machines: ['m'] }] });
    const entry = set.version('1').sections[0];
    if (!entry) throw new Error('no section');
    const off: Seen = [];
    visitSection(entry, { mode: 0, outer: 1 }, defaultContext, (k, p, v) => off.push([k, p, v]));
    expect(off).toEqual([['section', 'dev (section)', false]]);
    const on: Seen = [];
    visitSection(entry, { mode: 1, drives: [], outer: 0 }, defaultContext, (k, p, v) => on.push([k, p, v]));
    expect(on[0]).toEqual(['section', 'dev (section)', true]);
    expect(on.length).toBeGreaterThan(1);
  });

  it('skips empty pointer slots of struct arrays', () => {
    const holder = vmsd('holder', { version: 1, fields: [field('slots', array(pointer(struct(drive)), 2))] });
    const seen: Seen = [];
    visitPredicates(holder, { slots: [null, d(0, 1)] }, defaultContext, 1, 'h', (k, p, v) =>
      seen.push([k, p, v]),
    );
    expect(seen).toEqual([['needed', 'h › slots[] › drive/perp', true]]);
  });

  it('CoverageCounter counts both sides per predicate', () => {
    const c = new CoverageCounter();
    c.visit('needed', 'a', true);
    c.visit('needed', 'a', false);
    c.visit('needed', 'a', false);
    c.visit('exists', 'b', true);
    expect(c.result()).toEqual([
      { path: 'a', kind: 'needed', yes: 1, no: 2 },
      { path: 'b', kind: 'exists', yes: 1, no: 0 },
    ]);
  });
});
