/**
 * The round-trip oracle: the destination saves the VM again right after the load (paused), and
 * its device state is compared with what the source sent, field by field. Names come from each
 * stream's own vmdesc; where the two versions name a field differently, fields are matched by
 * position between the fields whose names agree. Every value that differs is a silent change:
 * the load "worked" and the guest now sees something else.
 */
import { analyzeStream, type PyValue } from '../../stream/index.js';
import type { SilentChange } from './result.js';

interface Leaf {
  readonly path: string;
  readonly value: string;
}

/**
 * Fields whose value legitimately moves between a save and a re-save of the same paused VM: they
 * are clocks and timer deadlines re-based on the destination's own clock, not guest-visible state.
 */
const VOLATILE = [
  /^timer › /,
  /(^| › )(cpu_ticks_offset|cpu_clock_offset|ticks_offset|clock_offset)$/,
  /(^| › )(count_load_time|next_transition_time|next_periodic_time|next_alarm_time|last_update|next_second_time)$/,
  /(^| › )(qemu_timer|periodic_timer|update_timer|update_timer2|second_timer|second_timer2|timer|expire_time|tsc_offset)$/,
];

function isVolatile(path: string): boolean {
  return VOLATILE.some((re) => re.test(path));
}

const HEX_BYTES = /^[0-9a-f]{2}( [0-9a-f]{2})*$/;

/**
 * The value a leaf stands for, whatever type the vmdesc gave it: analyze prints a bool as
 * `false`, an integer as `0x00` (with the signed value after it), a buffer as `00 01`. When one
 * version calls a byte `unused` (a buffer) and the other `itr_intr_pending` (a bool), a zero is
 * still a zero. Big-endian, as the wire is.
 */
export function canonicalValue(text: string): string {
  if (text === 'true') return '1';
  if (text === 'false') return '0';
  const int = /^0x([0-9a-f]+)(?: \(-?\d+\))?$/i.exec(text);
  if (int?.[1] !== undefined) return BigInt(`0x${int[1]}`).toString();
  if (HEX_BYTES.test(text) && text.length <= 8 * 3) return BigInt(`0x${text.replaceAll(' ', '')}`).toString();
  return text;
}

function flatten(value: PyValue, prefix: string, out: Leaf[]): void {
  if (value instanceof Map) {
    for (const [k, v] of value) flatten(v, prefix === '' ? k : `${prefix} › ${k}`, out);
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) flatten(v, `${prefix}[${i}]`, out);
  } else {
    out.push({ path: prefix, value: typeof value === 'string' ? value : JSON.stringify(value) });
  }
}

/** Device sections of a stream as `idstr#n` → leaves (RAM and machine-wide sections left out). */
async function deviceLeaves(file: string): Promise<Map<string, Leaf[]>> {
  const { state } = await analyzeStream(file);
  const seen = new Map<string, number>();
  const out = new Map<string, Leaf[]>();
  for (const [key, value] of state) {
    const idstr = key.replace(/ \(\d+\)$/, '');
    if (idstr === 'ram' || idstr === 'globalstate' || idstr === 'timer') continue;
    const n = seen.get(idstr) ?? 0;
    seen.set(idstr, n + 1);
    const leaves: Leaf[] = [];
    flatten(value, '', leaves);
    out.set(`${idstr}#${n}`, leaves);
  }
  return out;
}

/**
 * Pairs two leaf lists: same names first (in order), then what is left between two such
 * anchors by position. Unpaired leaves (a field one version has and the other not) are skipped.
 */
function pairLeaves(a: readonly Leaf[], b: readonly Leaf[]): [Leaf, Leaf][] {
  const pairs: [Leaf, Leaf][] = [];
  let j = 0;
  let pendingA: Leaf[] = [];
  const bIndex = new Map<string, number[]>();
  for (const [i, l] of b.entries()) bIndex.set(l.path, [...(bIndex.get(l.path) ?? []), i]);
  const flushUntil = (end: number): void => {
    const pendingB = b.slice(j, end);
    if (pendingA.length === pendingB.length) {
      for (const [k, l] of pendingA.entries()) pairs.push([l, pendingB[k] as Leaf]);
    }
    pendingA = [];
  };
  for (const leaf of a) {
    const k = bIndex.get(leaf.path)?.find((i) => i >= j);
    if (k === undefined) {
      pendingA.push(leaf);
      continue;
    }
    flushUntil(k);
    pairs.push([leaf, b[k] as Leaf]);
    j = k + 1;
  }
  flushUntil(b.length);
  return pairs;
}

/** Compares the source's stream with the destination's re-save; returns the silent changes. */
export async function compareRoundTrip(
  sourceFile: string,
  resavedFile: string,
): Promise<{ changes: SilentChange[]; sections: number }> {
  const [a, b] = await Promise.all([deviceLeaves(sourceFile), deviceLeaves(resavedFile)]);
  const changes: SilentChange[] = [];
  let sections = 0;
  for (const [key, leaves] of a) {
    const other = b.get(key);
    if (other === undefined) continue;
    sections++;
    const section = key.replace(/#0$/, '');
    for (const [x, y] of pairLeaves(leaves, other)) {
      if (canonicalValue(x.value) === canonicalValue(y.value) || isVolatile(`${section} › ${x.path}`))
        continue;
      changes.push({
        path: `${section} › ${x.path}`,
        ...(x.path === y.path ? {} : { destinationPath: `${section} › ${y.path}` }),
        sent: x.value,
        resaved: y.value,
      });
    }
  }
  return { changes, sections };
}
