import { fc } from './fast-check.js';
import type { Trace } from './trace-record.js';
import type { VersionState } from './versions.js';

/** States drawn from a recorded trace (shrinking towards its first step), for the matrix or your tests. */
export function arbitraryFromTrace(trace: Trace): fc.Arbitrary<VersionState> {
  const states = trace.steps.map((s) => s.state);
  if (states.length === 0) return fc.constant({});
  return fc.constantFrom(...states).map((s) => structuredClone(s));
}
