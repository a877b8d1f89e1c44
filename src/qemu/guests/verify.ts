/**
 * Reads a saved stream with our own analyze and checks that it shows the state a guest promises:
 * the proof that a workload really reached its device state.
 */
import type { PyValue } from '../../stream/index.js';
import { analyzeStream } from '../../stream/index.js';
import type { QemuVersionName } from '../versions.js';
import type { FieldExpectation, Guest } from './guest.js';

export interface ExpectationResult {
  readonly expectation: FieldExpectation;
  /** What the stream shows (undefined: the field or section is absent). */
  readonly actual: string | undefined;
  readonly ok: boolean;
}

/** Device sections of an analysis by idstr, in stream order (index = instance order). */
function sectionsByIdstr(state: Map<string, PyValue>): Map<string, PyValue[]> {
  const out = new Map<string, PyValue[]>();
  for (const [key, value] of state) {
    const idstr = key.replace(/ \(\d+\)$/, '');
    out.set(idstr, [...(out.get(idstr) ?? []), value]);
  }
  return out;
}

/** Follows a dotted path (`i8259/ltim.ltim`, `channels.0.mode`) through analyze's maps and lists. */
export function valueAt(root: PyValue | undefined, path: string): PyValue | undefined {
  let v: PyValue | undefined = root;
  for (const part of path.split('.')) {
    if (v instanceof Map) v = v.get(part);
    else if (Array.isArray(v) && /^\d+$/.test(part)) v = v[Number(part)];
    else return undefined;
  }
  return v;
}

function text(v: PyValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Map ? Object.fromEntries(x) : x));
}

/** Checks every expectation of `guest` that applies to `version` against the stream in `file`. */
export async function verifyGuestStream(
  file: string,
  guest: Guest,
  version: QemuVersionName,
): Promise<ExpectationResult[]> {
  const analysis = await analyzeStream(file);
  const sections = sectionsByIdstr(analysis.state);
  return guest.expect
    .filter((e) => e.versions === undefined || e.versions.includes(version))
    .map((expectation) => {
      const section = sections.get(expectation.section)?.[expectation.instance ?? 0];
      const actual = text(valueAt(section, expectation.field));
      const ok =
        actual !== undefined &&
        (typeof expectation.value === 'string'
          ? actual === expectation.value
          : expectation.value.test(actual));
      return { expectation, actual, ok };
    });
}
