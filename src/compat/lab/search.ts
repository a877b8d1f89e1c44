import { fc } from './fast-check.js';

/** A shrunk counterexample found by fast-check, with how many shrink steps it took. */
export interface Found<T> {
  readonly value: T;
  readonly shrinks: number;
}

/**
 * Replays `arb` from `seed` until `bad` holds, then lets fast-check shrink the value while `bad`
 * keeps holding. With the seed and run count of an earlier pass over the same arbitrary, it finds
 * that pass's first such value and returns its minimal form.
 */
export function shrinkWhile<T>(
  arb: fc.Arbitrary<T>,
  bad: (value: T) => boolean,
  options: { seed: number; runs: number },
): Found<T> | undefined {
  const details = fc.check(
    fc.property(arb, (v) => !bad(v)),
    { seed: options.seed, numRuns: options.runs, endOnFailure: false },
  );
  if (!details.failed || details.counterexample === null) return undefined;
  return { value: details.counterexample[0], shrinks: details.numShrinks };
}

/** Runs `visit` on `runs` values of `arb` drawn from `seed` (the same values `shrinkWhile` replays). */
export function forEachSample<T>(
  arb: fc.Arbitrary<T>,
  visit: (value: T) => void,
  options: { seed: number; runs: number },
): void {
  const details = fc.check(
    fc.property(arb, (v) => {
      visit(v);
      return true;
    }),
    { seed: options.seed, numRuns: options.runs },
  );
  if (details.failed) throw details.errorInstance ?? new Error('sampling failed');
}
