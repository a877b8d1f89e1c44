import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describedState } from '../../test/core/arbitraries.js';
import { forbidCodeGeneration, interpreted, outcome } from '../../test/core/codegen.js';
import { array, bool, buffer, field, struct, uint8, uint16, vmsd } from '../describe/index.js';
import { initial, load, save } from './codec.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('generated field loops behave as the interpreter', () => {
  it('same bytes, same loaded states, same errors on truncated and corrupted input', () => {
    fc.assert(
      fc.property(describedState, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ desc, state }, at, xor) => {
        const ref = interpreted(desc);
        const bytes = save(desc, state);
        expect(bytes).toStrictEqual(save(ref, state));
        expect(outcome(() => load(desc, bytes))).toStrictEqual(outcome(() => load(ref, bytes)));
        expect(load(desc, bytes)).toStrictEqual(load(ref, bytes));
        const cut = bytes.subarray(0, bytes.length === 0 ? 0 : at % bytes.length);
        expect(outcome(() => load(desc, cut))).toStrictEqual(outcome(() => load(ref, cut)));
        if (bytes.length > 0) {
          const flipped = bytes.slice();
          const i = at % bytes.length;
          flipped[i] = (flipped[i] ?? 0) ^ xor;
          expect(outcome(() => load(desc, flipped))).toStrictEqual(outcome(() => load(ref, flipped)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('same errors for bad values, at the same field', () => {
    const d = vmsd('t', {
      fields: [field('a', uint16), field('b', bool), field('c', buffer(2)), field('d', uint8)],
    });
    const ref = interpreted(d);
    const good = { a: 1, b: true, c: Uint8Array.of(1, 2), d: 3 };
    const bad: Record<string, unknown>[] = [
      { a: 65536 },
      { a: -1 },
      { a: 1.5 },
      { a: 1n },
      { b: 1 },
      { c: Uint8Array.of(1) },
      { c: [1, 2] },
      { d: '3' },
    ];
    for (const patch of bad) {
      const state = { ...good, ...patch } as never;
      const got = outcome(() => save(d, state));
      expect(got).toMatchObject({ code: 'invalid-value', path: ['t', Object.keys(patch)[0]] });
      expect(got).toStrictEqual(outcome(() => save(ref, state)));
    }
  });

  it('without code generation (CSP), the interpreter does everything, with the same results', () => {
    forbidCodeGeneration();
    const inner = vmsd('inner', {
      fields: [field('x', uint8)],
      subsections: (sub) => [sub('inner/more', { fields: [field('y', uint8, { default: 4 })] })],
    });
    const d = vmsd('csp', {
      fields: [field('a', uint16), field('r', array(uint8, 2)), field('s', struct(inner))],
    });
    expect(initial(d)).toStrictEqual({ a: 0, r: [0, 0], s: { x: 0, y: 4 } });
    const state = { a: 258, r: [3, 4], s: { x: 5, y: 6 } };
    const bytes = save(d, state);
    const header = [5, 10, ...Buffer.from('inner/more'), 0, 0, 0, 0];
    expect(Array.from(bytes)).toStrictEqual([1, 2, 3, 4, 5, ...header, 6]);
    expect(load(d, bytes)).toStrictEqual(state);
    expect(outcome(() => load(d, bytes.subarray(0, 3)))).toStrictEqual({
      code: 'truncated',
      path: ['csp', 'r', 1],
      offset: 3,
    });
  });

  it('member names that are not identifiers are emitted as string literals', () => {
    const keys = ['a"b', "c'd", 'e\\f', 'g\u2028h', 'constructor', '0', 'i j'];
    const d = vmsd('t', { fields: keys.map((k) => field(k, uint8)) });
    const state = Object.fromEntries(keys.map((k, i) => [k, i]));
    expect(Array.from(save(d, state as never))).toStrictEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(load(d, save(d, state as never))).toStrictEqual(state);
  });
});
