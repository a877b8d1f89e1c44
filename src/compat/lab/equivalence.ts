import type fc from 'fast-check';
import { load, save } from '../../codec/index.js';
import { defaultContext, type MigrationContext, type Vmsd } from '../../describe/index.js';
import { MigrationError, type PathSegment } from '../../errors/index.js';
import { arbitraryFor } from './arbitrary.js';
import { shrinkWhile } from './search.js';
import { firstDifference, shapeOf } from './shape.js';

type Obj = Record<string, unknown>;

export interface EquivalenceOptions {
  ctx?: MigrationContext;
  runs?: number;
  seed?: number;
  /** States to try (default: `arbitraryFor(a)`). */
  arbitrary?: fc.Arbitrary<Obj>;
}

export interface EquivalenceResult {
  readonly equivalent: boolean;
  readonly runs: number;
  /** The first (shrunk) state the two encodings treat differently. */
  readonly counterexample?: {
    readonly state: Obj;
    /** A member that differs, or empty when one side failed and the other did not. */
    readonly path: readonly PathSegment[];
    readonly viaA: unknown;
    readonly viaB: unknown;
    readonly shrinks: number;
  };
}

type RoundTrip = { ok: true; state: Obj } | { ok: false; error: string };

function roundTrip(d: Vmsd, x: Obj, ctx: MigrationContext): RoundTrip {
  try {
    return { ok: true, state: load(d, save(d, structuredClone(x) as never, { ctx }), { ctx }) as Obj };
  } catch (e) {
    return {
      ok: false,
      error: e instanceof MigrationError ? e.code : e instanceof Error ? e.name : String(e),
    };
  }
}

function compare(a: Vmsd, b: Vmsd, x: Obj, ctx: MigrationContext) {
  const ra = roundTrip(a, x, ctx);
  const rb = roundTrip(b, x, ctx);
  if (ra.ok && rb.ok) {
    const d = firstDifference(shapeOf(a), shapeOf(b), ra.state, rb.state);
    return d ? { path: d.path, viaA: d.expected, viaB: d.actual } : undefined;
  }
  if (!ra.ok && !rb.ok) return undefined;
  return {
    path: [],
    viaA: ra.ok ? '(loaded)' : `(failed: ${ra.error})`,
    viaB: rb.ok ? '(loaded)' : `(failed: ${rb.error})`,
  };
}

/**
 * Checks that two encodings of the same state space agree: d(e(x)) = d′(e′(x)) on the members
 * both describe, for generated x (e.g. "every field in the section" against "one piece in a
 * subsection only when it is not prevalent"). A state where they differ is shrunk.
 */
export function checkEquivalence(a: Vmsd, b: Vmsd, options: EquivalenceOptions = {}): EquivalenceResult {
  const ctx = options.ctx ?? defaultContext;
  const runs = options.runs ?? 200;
  const seed = options.seed ?? 42;
  const arb = options.arbitrary ?? (arbitraryFor(a, { ctx }) as fc.Arbitrary<Obj>);
  const found = shrinkWhile(arb, (x) => compare(a, b, x, ctx) !== undefined, { seed, runs });
  if (!found) return { equivalent: true, runs };
  const d = compare(a, b, found.value, ctx);
  return {
    equivalent: false,
    runs,
    ...(d ? { counterexample: { state: found.value, ...d, shrinks: found.shrinks } } : {}),
  };
}
