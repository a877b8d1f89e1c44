import { vi } from 'vitest';
import { planOf } from '../../src/codec/plan.js';
import type { Vmsd } from '../../src/describe/index.js';

export { type Outcome, outcome } from './outcome.js';

/**
 * The interpreter is what a plan gets where code generation is not allowed (CSP), so forbidding
 * it (a stubbed `Function`) while compiling a copy of a description gives the reference that
 * generated field loops are compared with.
 */
export function forbidCodeGeneration(): void {
  vi.stubGlobal(
    'Function',
    new Proxy(Function, {
      construct() {
        throw new EvalError('code generation from strings disallowed');
      },
    }),
  );
}

/** A copy of `desc` whose own field loops are interpreted (nested descriptions are shared). */
export function interpreted<D extends Vmsd>(desc: D): D {
  forbidCodeGeneration();
  try {
    const copy = { ...desc };
    planOf(copy);
    return copy;
  } finally {
    vi.unstubAllGlobals();
  }
}
