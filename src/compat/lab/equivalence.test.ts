import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { phaseInline, phaseSubsection } from '../../../test/lab/fixtures/phase.js';
import { field, uint8, vmsd } from '../../index.js';
import { arbitraryFor } from './arbitrary.js';
import { checkEquivalence } from './equivalence.js';

describe('checkEquivalence: d(e(x)) = d′(e′(x))', () => {
  it('finds the state where the two encodings of fdc phase disagree: the sentinel 0 as a phase', () => {
    const result = checkEquivalence(phaseInline, phaseSubsection);
    expect(result.equivalent).toBe(false);
    // Phase 0 is sent (it differs from the inference), and the receiver takes it for "absent".
    expect(result.counterexample).toMatchObject({
      state: { msr: 0, phase: 0 },
      path: ['phase'],
      viaA: 0,
      viaB: 2,
    });
  });

  it('holds for every real phase (1..3) and every MSR', () => {
    const states = arbitraryFor(phaseInline, { overrides: { phase: fc.integer({ min: 1, max: 3 }) } });
    expect(checkEquivalence(phaseInline, phaseSubsection, { arbitrary: states, runs: 500 })).toEqual({
      equivalent: true,
      runs: 500,
    });
  });

  it('reports a state one encoding refuses and the other loads', () => {
    const a = vmsd('x', { version: 1, fields: [field('v', uint8)] });
    const b = vmsd('x', {
      version: 1,
      fields: [field('v', uint8)],
      postLoad: (s) => (s.v > 200 ? 'too big' : undefined),
    });
    expect(checkEquivalence(a, b).counterexample).toMatchObject({
      state: { v: 201 },
      path: [],
      viaA: '(loaded)',
      viaB: '(failed: hook-failed)',
    });
  });
});
