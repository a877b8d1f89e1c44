import { vi } from 'vitest';
import { planOf } from '../../src/codec/plan.js';
import type { Vmsd } from '../../src/describe/index.js';
import { MigrationError } from '../../src/errors/index.js';

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

export type Outcome =
  | { ok: unknown }
  | { code: string; path: readonly (string | number)[]; offset: number | undefined };

/** What a call returned, or the code, path and offset of the MigrationError it threw. */
export function outcome(f: () => unknown): Outcome {
  try {
    return { ok: f() };
  } catch (e) {
    if (!(e instanceof MigrationError)) throw e;
    const issue = e.issues[0];
    return { code: e.code, path: issue?.path ?? [], offset: issue?.offset };
  }
}
