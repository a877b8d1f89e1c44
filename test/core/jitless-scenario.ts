import fc from 'fast-check';
import { isJitless, load, save } from '../../src/codec/index.js';
import { describedState } from './arbitraries.js';
import { outcome } from './outcome.js';

/**
 * One run of the codec over random descriptions, as plain data: the same seed gives the same
 * descriptions in any realm, so a run inside a `vm` context that refuses code generation can be
 * compared with one outside (a context has its own `Uint8Array`, so bytes travel as arrays).
 */
export interface ScenarioResult {
  /** What the codec says about its own mode. */
  readonly jitless: boolean;
  /** Whether `new Function` really threw in the realm the scenario ran in. */
  readonly codeGenerationRefused: boolean;
  readonly cases: unknown;
}

/** Uint8Arrays and bigints spelled as plain arrays and strings, recursively. */
export function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (ArrayBuffer.isView(v)) return ['bytes', ...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

function refusesCodeGeneration(): boolean {
  try {
    new Function('return 1');
    return false;
  } catch {
    return true;
  }
}

/** Save, load, a truncated load and a load of corrupted bytes per generated description. */
export function runScenario(seed: number, numRuns: number): ScenarioResult {
  const inputs = fc.sample(fc.tuple(describedState, fc.nat(), fc.integer({ min: 1, max: 255 })), {
    seed,
    numRuns,
  });
  const cases = inputs.map(([{ desc, state }, at, xor]) => {
    const bytes = save(desc, state);
    const cut = bytes.subarray(0, bytes.length === 0 ? 0 : at % bytes.length);
    const flipped = bytes.slice();
    if (bytes.length > 0) flipped[at % bytes.length] = (flipped[at % bytes.length] ?? 0) ^ xor;
    return plain({
      bytes,
      loaded: outcome(() => load(desc, bytes)),
      truncated: outcome(() => load(desc, cut)),
      flipped: outcome(() => load(desc, flipped)),
    });
  });
  return { jitless: isJitless(), codeGenerationRefused: refusesCodeGeneration(), cases };
}
