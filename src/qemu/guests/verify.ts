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

/**
 * Device sections of an analysis by name, in stream order (index = instance order). A PCI
 * device's idstr carries its slot (`0000:00:02.0/vga`): it is found by the part after the slash.
 */
function sectionsByName(state: Map<string, PyValue>): Map<string, PyValue[]> {
  const out = new Map<string, PyValue[]>();
  for (const [key, value] of state) {
    const idstr = key.replace(/ \(\d+\)$/, '');
    const name = idstr.slice(idstr.lastIndexOf('/') + 1);
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

const HEX_BYTES = /^[0-9a-f]{2}( [0-9a-f]{2})*$/;

/**
 * Follows a dotted path (`i8259/ltim.ltim`, `channels.0.mode`, `cmos_data.11`) through analyze's
 * maps, lists and byte buffers.
 */
export function valueAt(root: PyValue | undefined, path: string): PyValue | undefined {
  let v: PyValue | undefined = root;
  for (const part of path.split('.')) {
    if (v instanceof Map) v = v.get(part);
    else if (Array.isArray(v) && /^\d+$/.test(part)) v = v[Number(part)];
    else if (typeof v === 'string' && HEX_BYTES.test(v) && /^\d+$/.test(part)) {
      // A buffer, which analyze prints as "01 00 2f …": one byte of it.
      const byte = v.split(' ')[Number(part)];
      v = byte === undefined ? undefined : `0x${byte}`;
    } else return undefined;
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
  const sections = sectionsByName(analysis.state);
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
